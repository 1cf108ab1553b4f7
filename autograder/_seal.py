"""The seal: decide a grade where the student's code cannot reach (kernel side).

A student's code runs in the same process as the hidden tests, and Python
has no privilege separation: anything the harness can see, the student's code
can see too, through ``sys.modules``, ``gc``, ``ctypes``, frames, closures,
tracing or signal handlers. So the grade is not decided by the harness. It is
decided by a *seal* installed by :func:`install` before the notebook's first
cell runs (``SafeExecute`` runs ``autograder._guard.arm`` silently first):

* **The key lives in one place**: a keyed HMAC object in the closure of a
  thread started with ``_thread.start_new_thread``. That thread runs no
  student code, is not in ``threading.enumerate()``, and receives no Python
  signal handlers (those run in the main thread only). Nothing else holds the
  key: the bundle file it came in is deleted before any cell runs.
* **Requests prove where they come from.** The harness asks the seal for
  things with ``sys.audit("autograder.<event>", ...)``. A forwarding audit hook
  passes only the asking thread's id to the seal thread, which then looks at
  that thread's stack itself (``sys._current_frames``): the request counts only
  if it is the forwarding hook, called by the exact code object of the harness
  function allowed to raise that event, inside the ``check`` call that began
  the run. The arguments are read from that frame, never from the request.
* **The seal keeps the score.** The harness reports which tests were collected,
  and each test's outcome at the moment it is known; the seal adds them up and
  signs ``assignment, exercise, points, score``. The grader accepts a test
  cell's score only with that signature.
* **The machinery must not change.** The seal compares every function, class
  and module of the modules loaded when it was installed with a snapshot, at
  the start and end of every check and (for the harness, pytest and
  ``builtins``) after every test. Any change scores the exercise 0.
* **A second audit hook denies the ways in** (it cannot be removed: PEP 578):
  ``gc.get_objects``/``get_referrers``/``get_referents``, ``ctypes`` memory
  access, ``/proc/*/mem``, ``sys.settrace``/``setprofile``/``sys.monitoring``,
  ``sys._current_frames``, new code objects and ``marshal`` from the
  notebook's code, functions or ``exec`` built from the grader's code objects,
  reading the hidden suite's code objects, and any frame (``sys._getframe``,
  a traceback's ``tb_frame``, a generator's ``gi_frame``) whose chain reaches
  the grader's own frames or a suspended generator's.

What this does not stop is written down in docs/grading.md ("The seal").
"""

from __future__ import annotations

import _queue
import _thread
import ast
import builtins
import hashlib
import hmac
import re
import signal
import sys
import types

CO_SUSPENDABLE = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async gen

#: Modules whose functions, classes and submodules the seal watches after every test.
HOT = ("autograder", "pytest", "_pytest", "pluggy", "builtins", "threading", "_thread", "time")
#: Modules of the kernel's own machinery: not used to decide a grade, and they
#: rebind their own globals at run time.
COLD = (
    "IPython",
    "ipykernel",
    "jupyter_client",
    "jupyter_core",
    "zmq",
    "tornado",
    "traitlets",
    "comm",
    "debugpy",
    "prompt_toolkit",
    "jedi",
    "parso",
    "pygments",
    "psutil",
    "decorator",
    "pexpect",
    "ptyprocess",
    "wcwidth",
    "stack_data",
    "executing",
    "asttokens",
    "pure_eval",
    "platformdirs",
    "matplotlib_inline",
    "__main__",
    "__mp_main__",
    "sys",
)
#: Names that the harness or the kernel rebind while grading.
VOLATILE = {
    ("threading", "excepthook"),
    ("builtins", "input"),
    ("builtins", "raw_input"),
    ("getpass", "getpass"),
}
#: Modules that pytest itself writes to around every test (its assertion hooks).
#: A hidden suite that patches a library module itself (a fake clock in
#: ``time``) names it in a module-level ``LIBRARY_WRITES = ("time",)``.
WRITTEN_PER_TEST = frozenset({"_pytest.assertion.util"})
#: Library functions that ask for frames but never hand them to their caller.
LEAK_FREE_MODULES = (
    "collections",
    "enum",
    "typing",
    "logging",
    "warnings",
    "dataclasses",
    "abc",
    "asyncio.coroutines",
    "asyncio.format_helpers",
    "asyncio.base_tasks",
    "typing_extensions",
)
#: Functions that walk frames and hand them to their caller: trusted only when
#: that caller is leak-free (the traceback module formatting an exception).
WALKERS = (
    ("traceback", "walk_stack"),
    ("traceback", "walk_tb"),
    ("traceback", "_walk_tb_with_full_positions"),
)
LEAK_FREE_FUNCTIONS = (
    # Visible tests call coursekit.within, which names where stuck threads are (text only).
    ("coursekit", "stacks"),
    ("autograder._harness", "_thread_stacks"),
    # A hidden test's report names the line of the student's code each step ran on (text).
    ("autograder.instruments", "_student_line"),
    ("inspect", "getgeneratorstate"),
    ("inspect", "getcoroutinestate"),
    ("inspect", "getasyncgenstate"),
    ("inspect", "getgeneratorlocals"),
    ("inspect", "getcoroutinelocals"),
    ("inspect", "getasyncgenlocals"),
)
DEBUG = bool(__import__("os").environ.get("AUTOGRADER_DEBUG"))
_PROC_MEMORY = re.compile(r"(^|/)(mem|pagemap|kcore|kmem)$")


class Unsealed(Exception):
    """The seal could not be installed."""


def _under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _codes_of(value, out: set, seen: set, depth: int = 0) -> None:
    """Add every code object reachable from a function, class or code object to `out`."""
    if depth > 8 or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, types.CodeType):
        out.add(value)
        for const in value.co_consts:
            if isinstance(const, types.CodeType):
                _codes_of(const, out, seen, depth + 1)
    elif isinstance(value, types.FunctionType):
        _codes_of(value.__code__, out, seen, depth + 1)
    elif isinstance(value, types.MethodType | staticmethod | classmethod):
        _codes_of(value.__func__, out, seen, depth + 1)
    elif isinstance(value, property):
        for f in (value.fget, value.fset, value.fdel):
            if f is not None:
                _codes_of(f, out, seen, depth + 1)
    elif isinstance(value, type):
        try:
            members = list(vars(value).values())
        except TypeError:
            return
        for member in members:
            _codes_of(member, out, seen, depth + 1)
    else:
        # functools.cached_property, partial, lru_cache and similar wrappers.
        for attr in ("func", "__wrapped__"):
            try:
                inner = object.__getattribute__(value, attr)
            except AttributeError:
                continue
            if isinstance(inner, types.FunctionType):
                _codes_of(inner, out, seen, depth + 1)


def _module_codes(modules, own_only: bool = True) -> set:
    out: set = set()
    seen: set = set()
    for mod in modules:
        try:
            values = list(vars(mod).values())
        except TypeError:
            continue
        for value in values:
            if isinstance(value, types.ModuleType):
                continue
            if own_only and isinstance(value, type):
                if getattr(value, "__module__", None) != mod.__name__:
                    continue
            _codes_of(value, out, seen)
    return out


def _library_roots() -> tuple[str, ...]:
    """Folders whose code the notebook cannot have written (read-only in the sandbox)."""
    import site
    import sysconfig

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(path)
    roots.update(site.getsitepackages())
    from . import _harness

    here = __import__("os").path.dirname(__import__("os").path.abspath(_harness.__file__))
    roots.add(here)
    roots.add(__import__("os").path.join(__import__("os").path.dirname(here), "coursekit"))
    return tuple(sorted(r.rstrip("/") + "/" for r in roots if r))


_KINDS = (type, types.ModuleType, property, staticmethod, classmethod)


def _watched(value) -> bool:
    return callable(value) or isinstance(value, _KINDS)


_SHADOW = object()
_VERSION = object()
_BUILTIN_NAMES = frozenset(vars(builtins))
#: Offset of a dict's ``ma_version_tag`` (after ob_refcnt, ob_type and ma_used) on the
#: default (GIL) builds of CPython 3.11 to 3.13, and of the dict a ``mappingproxy``
#: wraps (after its header). :func:`install` proves both on probes before trusting them.
_VERSION_OFFSET = 24
_PROXY_MAPPING_OFFSET = 16


def _snapshot(modules: dict) -> list:
    """Return [(owner, key, value, label)] for everything the grade depends on in `modules`.

    Each entry is checked later with ``d.get(key) is value`` on the original
    dict object, which runs no code of the student's.
    """
    entries: list = []
    for name, mod in modules.items():
        space = vars(mod)
        # A new global named like a builtin shadows it for the module's functions.
        entries.append((space, _SHADOW, frozenset(space) & _BUILTIN_NAMES, name))
        for attr, value in list(space.items()):
            if (name, attr) in VOLATILE or not _watched(value):
                continue
            label = f"{name}.{attr}"
            entries.append((space, attr, value, label))
            if isinstance(value, types.FunctionType):
                entries.append((value, "__code__", value.__code__, label))
                entries.append((value, "__defaults__", value.__defaults__, label))
                entries.append((value, "__kwdefaults__", value.__kwdefaults__, label))
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                members = vars(value)
                names = frozenset(k for k, v in list(members.items()) if _watched(v))
                entries.append((value, None, names, label))
                for cattr in names:
                    cvalue = members[cattr]
                    entries.append((members, cattr, cvalue, f"{label}.{cattr}"))
                    if isinstance(cvalue, types.FunctionType):
                        entries.append((cvalue, "__code__", cvalue.__code__, f"{label}.{cattr}"))
    return entries


def _rewrite(source: str, filename: str):
    """Compile a suite with pytest's assertion rewriting, as pytest would import it."""
    from _pytest.assertion.rewrite import rewrite_asserts

    tree = ast.parse(source, filename)
    rewrite_asserts(tree, source.encode(), filename, None)
    return compile(tree, filename, "exec", dont_inherit=True)


def install(key: bytes, suites: dict[str, str], helpers: dict[str, str]) -> None:  # noqa: C901
    """Install the seal in this process. Call before any untrusted code runs, once."""
    if getattr(sys, "_autograder_sealed", False):
        raise Unsealed("the seal is already installed")
    import _pytest  # noqa: F401 - part of the machinery the seal protects

    from . import _harness

    # Helper modules of the suites (not on the kernel's disk): importable by name.
    for name, source in helpers.items():
        parent = name.rpartition(".")[0]
        if parent and parent not in sys.modules:
            package = types.ModuleType(parent)
            package.__path__ = []
            sys.modules[parent] = package
        module = types.ModuleType(name)
        module.__file__ = f"<hidden {name}>"
        code = _rewrite(source, f"<hidden {name}>")
        exec(code, module.__dict__)  # noqa: S102 - the grader's own code
        sys.modules[name] = module
    suite_code = {a: _rewrite(src, f"<hidden suite {a}>") for a, src in suites.items()}

    # Nobody else (another process of this uid) may read this process's memory.
    _no_dump()

    # ---- version tags. CPython gives every dict a version tag that changes on
    # every write to it (PEP 509), even one that puts back the value that was
    # there: a patch made during a test and undone before its end still shows.
    # The tags are read through ctypes; these readers stay in this closure,
    # because a view they return could also write.
    import ctypes as _ctypes

    def version_of(space: dict):
        return _ctypes.c_uint64.from_address(id(space) + _VERSION_OFFSET)

    def class_version_of(cls: type):
        proxy = vars(cls)
        inner = _ctypes.c_void_p.from_address(id(proxy) + _PROXY_MAPPING_OFFSET).value
        return _ctypes.c_uint64.from_address(inner + _VERSION_OFFSET)

    try:
        probe = {"a": 1}
        view = version_of(probe)
        before = view.value
        probe["a"] = 2
        written = view.value
        probe.setdefault("a", 3)
        probe.get("a")
        ok = written != before and view.value == written and probe == {"a": 2}

        class Probe:
            pass

        view = class_version_of(Probe)
        before = view.value
        Probe.a = 1
        ok = ok and view.value != before
    except Exception:  # noqa: BLE001 - no ctypes, or an unknown layout
        ok = False
    if not ok:
        version_of = class_version_of = None
    # The helpers' namespaces: no code writes to them after they are loaded.
    helper_versions = []
    for name in helpers:
        space = vars(sys.modules[name])
        space.setdefault("__warningregistry__", {})  # warnings would add it on first use
        if version_of is not None:
            view = version_of(space)
            helper_versions.append((view, _VERSION, view.value, f"{name}'s namespace"))

    modules = {n: m for n, m in list(sys.modules.items()) if isinstance(m, types.ModuleType)}
    # The standard library and the grader's own packages: third-party libraries
    # (matplotlib, pyparsing, ...) rebind their own globals while they run.
    ours = ("autograder", "coursekit", "pytest", "_pytest", "pluggy", "iniconfig")
    watched = {
        n: m
        for n, m in modules.items()
        if not _under(n, COLD) and (n.split(".")[0] in sys.stdlib_module_names or _under(n, ours))
    }
    hot = {n: m for n, m in watched.items() if _under(n, HOT)}
    for name, mod in hot.items():
        if name == "builtins":
            continue
        # warnings.warn() adds a registry to the globals of the code that warns:
        # made now, it is only changed in place (no write to the module's namespace).
        vars(mod).setdefault("__warningregistry__", {})
    known = set(_module_codes(modules.values(), own_only=False))
    library = _library_roots()
    late: set = set()  # code of library modules imported after the seal
    grader_codes = _module_codes(m for n, m in modules.items() if _under(n, ("autograder",)))
    for code in suite_code.values():
        _codes_of(code, grader_codes, set())
    for name in helpers:
        grader_codes |= _module_codes([sys.modules[name]])
    pytest_codes = _module_codes(
        m for n, m in modules.items() if _under(n, ("pytest", "_pytest", "pluggy"))
    )
    leak_free = set(_module_codes(m for n, m in modules.items() if _under(n, LEAK_FREE_MODULES)))
    for mod_name, func_name in LEAK_FREE_FUNCTIONS:
        func = getattr(modules.get(mod_name), func_name, None)
        if isinstance(func, types.FunctionType):
            leak_free.add(func.__code__)
    walkers = set()
    for mod_name, func_name in WALKERS:
        func = getattr(modules.get(mod_name), func_name, None)
        if isinstance(func, types.FunctionType):
            walkers.add(func.__code__)
    # The traceback module turns frames into text; only its walkers return frames.
    leak_free |= _module_codes([m for n, m in modules.items() if n == "traceback"]) - walkers
    walkers = frozenset(walkers)
    frame_reporters = set()
    for owner, attr in (
        (modules.get("coursekit"), "stacks"),
        (modules.get("autograder._harness"), "_thread_stacks"),
        (getattr(modules.get("autograder.instruments"), "Worker", None), "where"),
        # Whether a thread waits in a join: a bool, or the timeout the join was given.
        (modules.get("autograder.testing"), "joining"),
        (modules.get("autograder.testing"), "join_timeout"),
    ):
        func = getattr(owner, attr, None)
        if isinstance(func, types.FunctionType):
            frame_reporters.add(func.__code__)
    frame_reporters = frozenset(frame_reporters)
    hidden = set()
    for code in suite_code.values():
        _codes_of(code, hidden, set())
    import_hooks = (tuple(sys.meta_path), tuple(sys.path_hooks))
    full = _snapshot(watched) + helper_versions

    # ---- subinterpreters. Audit hooks belong to one interpreter: code run in a
    # subinterpreter is not seen by the guard below (there, ctypes could read or
    # write this process's memory). Interpreter ids only ever grow, so the seal
    # makes (and at once destroys) a probe interpreter now and at the start and
    # end of every check: an id that skipped means that someone else made one.
    try:
        import _interpreters as _subint  # 3.13+
    except ImportError:
        try:
            import _xxsubinterpreters as _subint  # 3.11, 3.12
        except ImportError:
            _subint = None

    def interpreter_probe():
        if _subint is None:
            return None
        try:
            iid = _subint.create()
            _subint.destroy(iid)
            return int(iid)
        except Exception:  # noqa: BLE001 - no probe, no check
            return None

    last_interpreter = [interpreter_probe()]

    def interpreters_made() -> list:
        """A subinterpreter made by someone else since the last probe?"""
        before = last_interpreter[0]
        now = interpreter_probe()
        last_interpreter[0] = now
        if before is None or now is None or now == before + 1:
            return []
        return [
            f"{now - before - 1} subinterpreter(s) were made while grading (the grader's audit "
            "hooks do not reach into a subinterpreter)"
        ]

    fast = _snapshot(hot) + helper_versions
    # Classes whose attributes (methods) decide a grade: setting one is refused.
    ours_too = ours + tuple(helpers)
    protected_types = set()
    for n, m in modules.items():
        if _under(n, ours_too):
            for value in list(vars(m).values()):
                if isinstance(value, type) and getattr(value, "__module__", None) == n:
                    protected_types.add(value)
    # Setting a class's attribute raises no audit event: its dict's version tag
    # shows it. pytest writes a few class attributes of its own while it sets up
    # a session, so the tags are taken once the tests are collected, and compared
    # after each test (a class changed before that shows in the snapshot).
    # The grade is computed with the builtins as they are now.
    pristine_builtins = dict(vars(builtins))
    expected = {
        "autograder.begin": _harness._sealed_check.__code__,
        "autograder.end": _harness._sealed_check.__code__,
        "autograder.collected": _harness._Plugin.pytest_collection_modifyitems.__code__,
        "autograder.outcome": _harness._Plugin.pytest_pyfunc_call.__code__,
        "autograder.failed": _harness._Plugin.pytest_runtest_logreport.__code__,
    }
    check_code = expected["autograder.begin"]
    # Stacks that start here are the grader's: the check itself, and each hidden test's thread.
    roots = frozenset((check_code, _harness._test_thread.__code__))
    default_int = signal.default_int_handler
    catchable = [s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)]
    hmac_state = hmac.new(key, digestmod=hashlib.sha256)
    del key

    # Bound here so that a notebook replacing them changes nothing below.
    current_frames = sys._current_frames
    getframe = sys._getframe
    getsignal = signal.getsignal
    get_ident = _thread.get_ident
    allocate_lock = _thread.allocate_lock
    requests = _queue.SimpleQueue()
    _type, _float, _str, _int, _len, _list, _tuple = type, float, str, int, len, list, tuple
    _isinstance, _repr, _min, _sum, _frozenset = isinstance, repr, min, sum, frozenset
    _exec, _module = exec, types.ModuleType
    missing = object()

    # ------------------------------------------------------------ the seal thread

    def changed(entries) -> list:
        out = []
        for owner, attr, value, label in entries:
            if attr is _SHADOW:
                now = _frozenset(owner) & _BUILTIN_NAMES
                if now != value:
                    shadowed = ", ".join(sorted(now - value)[:3])
                    out.append(f"{label}: a global named like a builtin was added ({shadowed})")
            elif attr is None:  # a class: no new callables
                now = _frozenset(k for k, v in _list(vars(owner).items()) if _watched(v))
                if now != value:
                    added = ", ".join(sorted(now - value)[:3])
                    out.append(f"{label}: {added} was added")
            elif attr is _VERSION:
                if owner.value != value:
                    out.append(f"{label} was written to while grading")
            elif _type(owner) is dict or _type(owner) is types.MappingProxyType:
                if owner.get(attr, missing) is not value:
                    out.append(f"{label} was changed")
            elif getattr(owner, attr, missing) is not value:
                out.append(f"{label}.{attr} was changed")
            if _len(out) >= 8:
                break
        for name, mod in watched.items():
            if sys.modules.get(name) is not mod:
                out.append(f"sys.modules[{name!r}] was replaced or removed")
                break
        for sig in catchable:
            handler = getsignal(sig)
            if callable(handler) and handler is not default_int:
                out.append(f"a Python handler for signal {sig} was installed")
                break
        if _tuple(sys.meta_path) != import_hooks[0] or _tuple(sys.path_hooks) != import_hooks[1]:
            out.append("the import system (sys.meta_path or sys.path_hooks) was changed")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            out.append("a trace or profile function was installed")
        return out

    run: dict = {}

    def genuine(ident: int, event: str):
        """Return (frame of the caller, args) when the request is genuine, else None."""
        if ident in busy:
            # The asking thread is in forward(), not in the guard: someone marked it.
            if "check" in run:
                run["tampered"] = _list(run.get("tampered") or []) + [
                    "the audit hook's state was changed (a signal handler inside it?)"
                ]
            if event != "autograder.end":
                return None
        top = current_frames().get(ident)
        if top is None or top.f_code is not forward.__code__:
            return None
        local = top.f_locals
        args = local.get("args")
        if local.get("event") != event or _type(args) is not _tuple:
            return None
        caller = top.f_back
        if caller is None or caller.f_code is not expected.get(event):
            return None
        if event in ("autograder.begin",):
            return caller, args
        frame = caller
        while frame is not None:
            if frame is run.get("check"):
                return caller, args
            if frame.f_code not in known and frame.f_code not in late:
                return None  # the notebook's code called the harness's function itself
            frame = frame.f_back
        return None

    def sign(text: str) -> str:
        h = hmac_state.copy()
        h.update(text.encode())
        return h.hexdigest()

    def begin(caller, args):
        assignment, exercise, points, box = args
        run.clear()
        made = interpreters_made()
        if not (
            _type(assignment) is _str
            and _type(exercise) is _str
            and _type(points) in (_float, _int)
            and _type(box) is _list
        ):
            return
        run.update(
            check=caller,
            assignment=assignment,
            exercise=exercise,
            points=_float(points),
            collected=None,
            outcomes={},
            failed=set(),
            tampered=changed(full),
            box=box,
        )
        code = suite_code.get(assignment)
        if code is None or run["tampered"]:
            box.append(None)
            return
        module = _module(f"test_{assignment}")
        private = dict(pristine_builtins)
        module.__dict__["__builtins__"] = private
        module.__file__ = f"<hidden suite {assignment}>"
        try:
            _exec(code, module.__dict__)
            module.__doc__ = None  # reachable through a callback's __globals__
            module.__dict__.setdefault("__warningregistry__", {})
            classes = [
                value
                for value in _list(module.__dict__.values())
                if _isinstance(value, type) and value.__module__ == module.__name__
            ]
            protected_types.update(classes)
        except BaseException as exc:  # noqa: BLE001 - reported as a suite error
            box.append(None)
            box.append(f"the hidden suite could not be loaded: {_type(exc).__name__}")
            return
        run["suite"] = _snapshot({module.__name__: module}) + [
            (private, k, v, f"builtins.{k}") for k, v in private.items()
        ]
        # Their version tags are taken once the tests are collected (pytest may
        # write to the module while collecting); any later write is tampering.
        run["spaces"] = [
            (module.__dict__, "the hidden suite's namespace"),
            (private, "its builtins"),
        ]
        # A suite whose exercise makes subinterpreters (09) says so; see the docs' threat model.
        run["subinterpreters_allowed"] = module.__dict__.get("MAKES_SUBINTERPRETERS") is True
        if made and not run["subinterpreters_allowed"]:
            run["tampered"] = made
        declared = module.__dict__.get("LIBRARY_WRITES", ())
        if _type(declared) is _tuple:
            run["library_writes"] = _frozenset(n for n in declared if _type(n) is _str)
        box.append(module)

    def collected(caller, args):
        (items,) = args
        if run.get("collected") is not None or _type(items) is not _tuple:
            run["tampered"] = run.get("tampered", []) + ["the tests were collected twice"]
            return
        clean = {}
        for item in items:
            if _type(item) is not _tuple or _len(item) != 2:
                return
            nodeid, weight = item
            if _type(nodeid) is not _str or _type(weight) is not _float or weight < 0:
                return
            clean[nodeid] = weight
        run["collected"] = clean
        during = run["during"] = []
        if version_of is not None:
            for space, label in run.get("spaces", []):
                view = version_of(space)
                during.append((view, _VERSION, view.value, label))
            # The modules a grade depends on most: no honest code writes to them
            # during a test, except pytest's per-test assertion hooks and the
            # library modules a suite declares that it patches itself.
            writes = run.get("library_writes", ())
            for mname, mod in hot.items():
                if mname in WRITTEN_PER_TEST or mname in writes:
                    continue
                view = version_of(vars(mod))
                during.append((view, _VERSION, view.value, f"the module {mname}"))
            for cls in _list(protected_types):
                view = class_version_of(cls)
                during.append((view, _VERSION, view.value, f"{cls.__module__}.{cls.__qualname__}"))

    def outcome(caller, args):
        nodeid, status = args
        if _type(nodeid) is not _str or status not in ("passed", "failed", "skipped"):
            return
        outcomes = run["outcomes"]
        if nodeid in outcomes and outcomes[nodeid] != status:
            status = "failed"
        outcomes[nodeid] = status
        run["tampered"] = (
            run["tampered"]
            or changed(fast)
            or changed(run.get("suite", []))
            or changed(run.get("during", []))
        )

    def failed(caller, args):
        (nodeid,) = args
        if _type(nodeid) is _str:
            run["failed"].add(nodeid)

    def end(caller, args):
        (box,) = args
        if _type(box) is not _list or "check" not in run:
            return
        made = interpreters_made()
        if run.get("subinterpreters_allowed"):
            made = []
        reasons = _list(run["tampered"] or changed(full) or changed(run.get("suite", [])) or made)
        tests = run["collected"] or {}
        total = got = 0.0
        for nodeid, weight in tests.items():
            status = run["outcomes"].get(nodeid, "failed")
            if nodeid in run["failed"]:
                status = "failed"
            if status == "skipped":
                continue
            total += weight
            if status == "passed":
                got += weight
        points = run["points"]
        if reasons or not total:
            score = 0.0
        else:
            score = _min(points, _int(points * (got / total) * 100) / 100)
        text = f"v2\0{run['assignment']}\0{run['exercise']}\0{points!r}\0{score!r}"
        flag = ""
        if reasons:
            text, flag = text + "\0tampered", " tampered"
        box.append(score)
        box.append(f"[autograder verdict v2 {score!r} {sign(text)}{flag}]")
        box.append(reasons)
        run.clear()

    handlers = {
        "autograder.begin": begin,
        "autograder.collected": collected,
        "autograder.outcome": outcome,
        "autograder.failed": failed,
        "autograder.end": end,
    }

    def loop():
        while True:
            ident, event, reply = requests.get()
            try:
                found = genuine(ident, event)
                if found is not None:
                    handlers[event](*found)
            except BaseException:  # noqa: BLE001, S110 - never die, never raise
                pass
            reply.release()

    # ------------------------------------------------------------ the hooks

    def forward(event, args):
        if event[:11] != "autograder.":
            return
        reply = allocate_lock()
        reply.acquire()
        requests.put((get_ident(), event, reply))
        reply.acquire(True, 60)

    seal_codes: set = set()
    for f in (changed, genuine, sign, begin, collected, outcome, failed, end, loop, forward):
        _codes_of(f, seal_codes, set())
    seal_codes = _frozenset(seal_codes)
    protected = _frozenset(grader_codes | pytest_codes | seal_codes)
    hidden = _frozenset(hidden | seal_codes)
    busy: set = set()

    def is_library(code) -> bool:
        return code in known or code in late

    def sensitive(frame) -> bool:
        """Is this frame, or one it was called from, the grader's or a suspended generator's?"""
        depth = 0
        while frame is not None and depth < 400:
            code = frame.f_code
            if code in protected or code in guard_codes:
                return True
            if code.co_flags & CO_SUSPENDABLE and not is_library(code):
                # The notebook's own generator: whoever resumes it later becomes
                # its frame's f_back, and that may be a hidden test.
                return True
            frame = frame.f_back
            depth += 1
        return False

    def checked_by_grader(requester) -> bool:
        """May `requester` see the grader's frames?

        Yes for library functions that never hand a frame to their caller, and
        for code loaded before the seal when no code of the notebook's is on
        the stack between it and the start of the grader's work.
        """
        code = requester.f_code
        if code in leak_free or code in seal_codes:
            return True
        if code in walkers:
            caller = requester.f_back
            return caller is not None and caller.f_code in leak_free
        frame = requester
        while frame is not None:
            code = frame.f_code
            if code in roots or code in seal_codes:
                return True
            if not is_library(code):
                if DEBUG:
                    sys.__stderr__.write(f"seal: unknown frame {code.co_name} {code.co_filename}\n")
                return False  # the notebook's code (or code loaded after the seal)
            frame = frame.f_back
        # No grader root below: a library thread running whatever the notebook
        # handed it (a pool's worker, threading's bootstrap) is not the grader.
        return False

    def deny(what: str, requester=None):
        where = ""
        if requester is not None:
            code = requester.f_code
            where = f" (asked by {code.co_name} in {code.co_filename}:{requester.f_lineno})"
        raise PermissionError(f"autograder: {what} is not allowed while grading{where}")

    def guard(event, args):  # noqa: C901
        kind = event.split(".", 1)[0]
        if kind not in GUARDED_KINDS and event not in GUARDED_EVENTS:
            return
        if event == "object.__getattr__" and args[1] not in FRAME_ATTRS:
            return
        ident = get_ident()
        if ident in busy:
            # A nested call: the guard's own frame reads raise these two events.
            # Everything else is judged without asking who asked, so that a
            # thread marked busy by someone else gains nothing but its own frames
            # (and the seal refuses a check whose thread is marked busy).
            if event in ("sys._getframe", "object.__getattr__"):
                return
            blind(event, args)
            return
        busy.add(ident)
        try:
            requester = getframe(1)
            trusted_requester = checked_by_grader(requester)
            if event == "sys._getframe":
                if not trusted_requester and sensitive(args[0]):
                    deny("looking at the grader's frames", requester)
            elif event == "object.__getattr__":
                obj, name = args[0], args[1]
                if name == "tb_frame":
                    frame = obj.tb_frame
                    if not trusted_requester and (
                        frame.f_code in guard_codes
                        or frame.f_code in seal_codes
                        or sensitive(frame)
                    ):
                        deny("looking at the grader's frames", requester)
                elif name in ("gi_frame", "cr_frame", "ag_frame"):
                    if not trusted_requester:
                        deny(f"reading {name}", requester)
                else:  # a code object
                    code = getattr(obj, name)
                    if code in hidden and not trusted_requester:
                        deny("reading the hidden tests' code", requester)
            elif event in ("sys._current_frames", "sys._current_exceptions"):
                # It returns every thread's frame, the seal's included: only the
                # grader's stuck-thread reports may ask, and they return text, and
                # autograder.testing's joining/join_timeout, which return a bool or a
                # join's timeout.
                if requester.f_code not in frame_reporters and requester.f_code not in hidden:
                    deny(event, requester)
            elif event in ("sys.settrace", "sys.setprofile") or event.startswith("sys.monitoring"):
                if not trusted_requester:
                    deny("tracing", requester)
            elif event in ("object.__setattr__", "object.__delattr__"):
                patching(args)
            elif kind == "gc":
                deny(event, requester)
            elif event == "sys.addaudithook":
                # Another hook would run in the seal's thread and see its requests.
                deny("adding an audit hook", requester)
            elif kind == "ctypes":
                if event in CTYPES_ALLOWED:
                    pass
                elif requester.f_code in ctypes_callers:
                    pass  # multiprocessing's shared ctypes, the harness stopping a thread
                else:
                    deny(f"{event} (ctypes)", requester)
            elif event == "open":
                path = args[0]
                if _type(path) is bytes:
                    path = path.decode(errors="replace")
                if _type(path) is _str and _PROC_MEMORY.search(path.rstrip("/")):
                    deny("reading process memory", requester)
            elif event == "code.__new__":
                if not is_library(requester.f_code):
                    deny(f"{event} from the notebook's code", requester)
            elif event in ("marshal.loads", "marshal.load"):
                # Bytecode is trusted only from a library's own cache: a crafted
                # .pyc could claim to be library code, or corrupt memory.
                loader = requester.f_back
                path = loader.f_locals.get("source_path") if loader is not None else None
                if not (
                    is_library(requester.f_code)
                    and loader is not None
                    and loader.f_code is source_get_code
                    and _type(path) is _str
                    and path.startswith(library)
                ):
                    deny(f"{event} outside a library's bytecode cache", requester)
            elif event in ("function.__new__", "exec"):
                code = args[0]
                if _type(code) is not types.CodeType:
                    return
                if code in protected and not trusted_requester:
                    deny("running the grader's code objects", requester)
                if (
                    event == "exec"
                    and code.co_name == "<module>"
                    and code.co_filename.startswith(library)
                    and is_library(requester.f_code)
                    and code not in known
                ):
                    # A library module imported after the seal: its code is library code.
                    new: set = set()
                    _codes_of(code, new, set())
                    late.update(new)
        finally:
            busy.discard(ident)

    def patching(args):
        """Refuse to change a class or function that decides a grade (even for a moment)."""
        obj = args[0]
        kind_of = _type(obj)
        if issubclass(kind_of, type):
            if obj in protected_types:
                deny(f"changing {obj.__name__}.{args[1]}")
        elif kind_of is types.FunctionType:
            if obj.__code__ in protected or obj.__code__ in hidden:
                deny(f"changing {obj.__name__}.{args[1]}")

    def blind(event, args):
        """The rules that need no requester: the strictest answer for each event."""
        kind = event.split(".", 1)[0]
        if event in ("object.__setattr__", "object.__delattr__"):
            patching(args)
        if kind == "gc" or event in ("sys.addaudithook", "sys.settrace", "sys.setprofile"):
            deny(event)
        if event.startswith("sys.monitoring") or event in (
            "sys._current_frames",
            "sys._current_exceptions",
            "code.__new__",
            "marshal.loads",
            "marshal.load",
        ):
            deny(event)
        if kind == "ctypes" and event not in CTYPES_ALLOWED:
            deny(event)
        if event == "open":
            path = args[0]
            if _type(path) is bytes:
                path = path.decode(errors="replace")
            if _type(path) is _str and _PROC_MEMORY.search(path.rstrip("/")):
                deny("reading process memory")
        if event in ("function.__new__", "exec") and _type(args[0]) is types.CodeType:
            if args[0] in protected:
                deny("running the grader's code objects")

    guard_codes = _frozenset(
        f.__code__ for f in (guard, sensitive, checked_by_grader, deny, blind, patching)
    )
    import multiprocessing.sharedctypes as _sharedctypes
    from importlib import _bootstrap_external

    source_get_code = _bootstrap_external.SourceLoader.get_code.__code__

    ctypes_callers = _frozenset(_module_codes([_sharedctypes]) | grader_codes)
    known = _frozenset(known | grader_codes | pytest_codes | seal_codes | guard_codes)

    _thread.start_new_thread(loop, ())
    sys.addaudithook(forward)
    sys.addaudithook(guard)
    sys._autograder_sealed = True


GUARDED_KINDS = frozenset(("gc", "ctypes", "marshal"))
FRAME_ATTRS = frozenset(
    (
        "tb_frame",
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "__code__",
        "f_code",
        "gi_code",
        "cr_code",
        "ag_code",
    )
)
GUARDED_EVENTS = frozenset(
    (
        "sys._getframe",
        "object.__getattr__",
        "object.__setattr__",
        "object.__delattr__",
        "sys._current_frames",
        "sys._current_exceptions",
        "sys.settrace",
        "sys.setprofile",
        "sys.addaudithook",
        "sys.monitoring.register_callback",
        "sys.monitoring.set_events",
        "sys.monitoring.set_local_events",
        "sys.monitoring.use_tool_id",
        "open",
        "code.__new__",
        "function.__new__",
        "exec",
    )
)
CTYPES_ALLOWED = frozenset(
    (
        "ctypes.cdata/buffer",
        "ctypes.addressof",
        "ctypes.create_string_buffer",
        "ctypes.create_unicode_buffer",
        "ctypes.get_errno",
        "ctypes.set_errno",
    )
)


def _no_dump() -> None:
    """Make this process non-dumpable: other processes of its uid cannot read its memory."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        pass


def sealed() -> bool:
    return bool(getattr(sys, "_autograder_sealed", False))


__all__ = ["Unsealed", "install", "sealed"]
