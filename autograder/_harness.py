"""Run one exercise's hidden pytest suite against objects in a namespace.

The harness is what the hidden part of every test cell calls. It has to
survive whatever the student's code does, because nbgrader grades the
whole notebook in one kernel:

* each test runs in a daemon thread with a deadline, so a deadlock or an
  endless loop costs that deadline, not the cell timeout, and the stacks of
  the stuck threads go into the report;
* everything written to stderr while the suite runs is captured, because
  nbgrader gives 0 to a test cell with any stderr output;
* the result is a float that never exceeds the cell's points, because a
  non-number would earn full credit and a larger number raises in nbgrader;
* the student's code cannot end the session early or skip the tests it would
  fail: a test that never reports, or a skip raised outside the suite, fails;
* when the grader has armed the guard (``autograder._guard``), a notebook that
  patched the harness, pytest or builtins scores 0, and the score is signed so
  that the grader can tell it from one the notebook printed itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import dataclasses
import inspect
import io
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import types
from pathlib import Path

import pytest

from coursekit.deadline import finished as _finished
from coursekit.deadline import start as _start

from . import _seal
from .testing import _BUDGETS, StuckBudget

#: Bound at import, before any notebook code runs: a notebook that replaces
#: sys.audit only keeps its own grade from being sealed.
_audit = sys.audit
#: Resolved now: looking a C function up later is a ctypes.dlsym the seal refuses.
_SET_ASYNC_EXC = ctypes.pythonapi.PyThreadState_SetAsyncExc
_SUITE_INI = """[pytest]
markers =
    exercise(grade_id): the exercise (nbgrader grade_id) a hidden test belongs to
    weight(w): how much a test counts towards the exercise's points (default 1)
    deadline(seconds): how long the test may run before it is reported as stuck
    contract(fragment): the sentence of the exercise's contract this test checks
python_files = test_*.py
"""

SUITES = Path(__file__).with_name("suites")
#: Seconds a single hidden test may run before it is reported as stuck. In a
#: grading kernel it comes from ``c.SafeExecute.test_deadline`` (in the grade
#: seal's bundle); the environment variable is for running suites by hand.
DEFAULT_DEADLINE = float(os.environ.get("AUTOGRADER_DEADLINE", "3"))
#: Seconds one exercise may lose to stuck tests before its other tests are skipped.
DEFAULT_BUDGET = float(os.environ.get("AUTOGRADER_BUDGET", "8"))  # c.SafeExecute.exercise_budget
#: Seconds a test's leftover threads get to finish before the harness stops them.
LEFTOVER_GRACE = 0.3


class Abandoned(BaseException):
    """Raised asynchronously in a thread the harness gave up on."""


class _Stuck(pytest.fail.Exception):
    """A hidden test overran its deadline."""


class Namespace:
    """Give tests attribute access to the student's objects, with clear failures."""

    def __init__(self, mapping: dict):
        self._mapping = mapping

    def __getattr__(self, name: str):
        try:
            return self._mapping[name]
        except KeyError:
            pytest.fail(
                f"`{name}` is not defined: run the cell that defines it "
                "(and check that it raised no error)",
                pytrace=False,
            )

    def __contains__(self, name: str) -> bool:
        return name in self._mapping


@dataclasses.dataclass
class TestOutcome:
    name: str
    title: str
    weight: float
    passed: bool
    reason: str = ""
    seconds: float = 0.0


@dataclasses.dataclass
class Result:
    assignment: str
    exercise: str
    points: float
    tests: list[TestOutcome]
    error: str = ""

    @property
    def fraction(self) -> float:
        total = sum(t.weight for t in self.tests)
        if not total or self.error:
            return 0.0
        return sum(t.weight for t in self.tests if t.passed) / total

    @property
    def score(self) -> float:
        if self.error:
            return 0.0
        # Round down to hundredths so the score can never exceed the points.
        return min(float(self.points), int(self.points * self.fraction * 100) / 100)

    def report(self, score: float | None = None) -> str:
        shown = self.score if score is None else score
        lines = [f"{self.exercise}: {shown:g} / {self.points:g} points"]
        if self.error:
            lines.append(f"  ERROR {self.error}")
        for t in self.tests:
            mark = "PASS" if t.passed else "FAIL"
            lines.append(f"  {mark}  {t.title}")
            if not t.passed and t.reason:
                lines.extend("        " + line for line in t.reason.splitlines())
        return "\n".join(lines)


# --------------------------------------------------------------------------
# Thread bookkeeping


def _thread_stacks(idents: set[int]) -> str:
    frames = sys._current_frames()
    names = {t.ident: t for t in threading.enumerate()}
    out = []
    for ident in sorted(idents):
        frame = frames.get(ident)
        if frame is None:
            continue
        thread = names.get(ident)
        label = thread.name if thread else f"thread {ident}"
        stack = traceback.extract_stack(frame)
        # Keep the student's frames and the test's, drop the harness plumbing.
        stack = [f for f in stack if "threading.py" not in f.filename][-8:]
        out.append(f"thread {label!r} is stuck at:")
        out.extend(
            "    " + line.rstrip()
            for entry in traceback.format_list(stack)
            for line in entry.splitlines()
        )
    return "\n".join(out)


def _abandon(idents: set[int]) -> None:
    """Ask stuck threads to stop: works for loops, not for blocked locks."""
    for ident in idents:
        _SET_ASYNC_EXC(ctypes.c_ulong(ident), ctypes.py_object(Abandoned))


_original_excepthook = threading.excepthook


def _quiet_excepthook(args):
    # A thread we abandoned dies with Abandoned; that is expected, not news.
    if args.exc_type is Abandoned:
        return
    _original_excepthook(args)


def _install_excepthook():
    if threading.excepthook is not _quiet_excepthook:
        threading.excepthook = _quiet_excepthook


def _test_thread(func, kwargs: dict, deadline: float, box: dict) -> None:
    """Run one hidden test in its own thread (the seal knows this function by its code)."""
    try:
        if inspect.iscoroutinefunction(func):
            # A fresh loop in a fresh thread works whether or not the
            # kernel's own loop is running in the main thread.
            asyncio.run(asyncio.wait_for(func(**kwargs), deadline))
        else:
            func(**kwargs)
    except BaseException as exc:  # noqa: BLE001 - reported to the test
        box["exc"] = exc


def _run_with_deadline(func, kwargs: dict, deadline: float) -> None:
    """Call func(**kwargs) in a daemon thread; raise a test failure if it overruns."""
    before = {t.ident for t in threading.enumerate()}
    box: dict = {}

    # The course's one deadline primitive (coursekit.deadline); the test's
    # outcome goes into `box`, which only _test_thread writes.
    _, worker = _start(_test_thread, (func, kwargs, deadline, box), name="hidden-test")
    if not _finished(worker, deadline):
        stuck = {t.ident for t in threading.enumerate() if t.ident not in before}
        stacks = _thread_stacks(stuck)
        _abandon(stuck)
        raise _Stuck(
            f"did not finish within {deadline:g} s: a deadlock or an endless loop?\n{stacks}",
            pytrace=False,
        )
    # Threads the student's code left behind would spin on into later tests
    # and later cells; give them a moment to finish, then stop them.
    end = time.monotonic() + LEFTOVER_GRACE
    while time.monotonic() < end:
        leftover = {
            t.ident for t in threading.enumerate() if t.ident not in before and t.is_alive()
        }
        if not leftover:
            break
        time.sleep(0.01)
    else:
        _abandon(leftover)
    if "exc" in box:
        raise box["exc"]


# --------------------------------------------------------------------------
# The pytest plugin


class _Plugin:
    def __init__(
        self,
        exercise: str,
        namespace: dict,
        deadline: float,
        budget: float,
        sealed: bool = False,
        suite=None,
    ):
        self.exercise = exercise
        self.namespace = namespace
        self.deadline = deadline
        self.budget = budget
        self.sealed = sealed
        self.suite = suite
        self.suite_codes = _codes_of_module(suite) if suite is not None else None
        #: the exercise's one stuck budget (autograder.testing.stuck_budget() in a run)
        self.stuck = StuckBudget(budget)
        self.outcomes: list[TestOutcome] = []
        self.items: dict[str, pytest.Item] = {}
        self.collected: list[pytest.Item] = []
        self.skipped: set[str] = set()
        self.collect_errors: list[str] = []

    @pytest.fixture
    def student(self):
        """The student's objects, as attributes."""
        return Namespace(self.namespace)

    @pytest.fixture
    def stuck_budget(self):
        """The exercise's one stuck budget (see autograder.testing.StuckBudget), for a
        suite whose calls of student code charge it themselves."""
        return self.stuck

    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makemodule(self, module_path, parent):
        if self.suite is not None and module_path.name == f"{self.suite.__name__}.py":
            return _PreloadedModule.from_parent(parent, path=module_path, preloaded=self.suite)
        return None

    def pytest_collection_modifyitems(self, session, config, items):
        keep = []
        for item in items:
            marker = item.get_closest_marker("exercise")
            if marker and marker.args and marker.args[0] == self.exercise:
                keep.append(item)
        items[:] = keep
        self.collected = list(keep)
        if self.sealed:
            _audit("autograder.collected", tuple((i.nodeid, _weight(i)) for i in keep))

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append(str(report.longrepr))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        self.items[item.nodeid] = item
        self.stuck.check()

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem):
        marker = pyfuncitem.get_closest_marker("deadline")
        deadline = float(marker.args[0]) if marker else self.deadline
        names = pyfuncitem._fixtureinfo.argnames
        kwargs = {name: pyfuncitem.funcargs[name] for name in names}
        status = "failed"
        try:
            _run_with_deadline(pyfuncitem.obj, kwargs, deadline)
            status = "passed"
        except _Stuck:
            self.stuck.charge(
                deadline, f"{_title(pyfuncitem)} ran past its {deadline:g} s deadline"
            )
            raise
        except (pytest.skip.Exception, pytest.xfail.Exception, pytest.exit.Exception) as exc:
            # Only the suite may skip a test. The code under test calling
            # pytest.skip(), xfail() or exit() would hide a failure.
            if type(exc) is pytest.exit.Exception or not _raised_in_suite(exc, self.suite_codes):
                kind = type(exc).__name__
                pytest.fail(
                    f"the code under test raised pytest's {kind}, which would "
                    "hide the test's result; it counts as a failure",
                    pytrace=False,
                )
            status = "skipped"
            raise
        finally:
            if self.sealed:
                # The seal hears each outcome the moment it is known.
                _audit("autograder.outcome", pyfuncitem.nodeid, status)
        return True

    def pytest_runtest_logreport(self, report):
        item = self.items.get(report.nodeid)
        if item is None:
            return
        if report.skipped:
            self.skipped.add(report.nodeid)
            return
        failed = report.failed
        if failed and self.sealed:
            _audit("autograder.failed", report.nodeid)
        if report.when == "call" or failed:
            if any(o.name == report.nodeid for o in self.outcomes):
                # A teardown failure after a pass still fails the test.
                if failed:
                    for o in self.outcomes:
                        if o.name == report.nodeid and o.passed:
                            o.passed, o.reason = False, _reason(report)
                return
            self.outcomes.append(
                TestOutcome(
                    name=report.nodeid,
                    title=_title(item),
                    weight=_weight(item),
                    passed=report.passed,
                    reason=_reason(report) if failed else "",
                    seconds=report.duration,
                )
            )


def _title(item) -> str:
    """A test's line in the report: its docstring's first line, and for a parametrized
    test its parameter id, so that each case reads as its own sentence."""
    doc = inspect.getdoc(item.obj) or item.name.replace("_", " ")
    title = doc.splitlines()[0]
    callspec = getattr(item, "callspec", None)
    return f"{title} [{callspec.id}]" if callspec is not None else title


def _weight(item) -> float:
    marker = item.get_closest_marker("weight")
    return float(marker.args[0]) if marker else 1.0


class _PreloadedModule(pytest.Module):
    """A test module that the seal built in memory: the hidden suite is not on disk."""

    def __init__(self, *args, preloaded=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._preloaded = preloaded

    def _getobj(self):
        return self._preloaded


def _codes_of_module(module) -> frozenset:
    out: set = set()
    for value in list(vars(module).values()):
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            stack = [value.__code__]
            while stack:
                code = stack.pop()
                out.add(code)
                stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return frozenset(out)


_PACKAGE_CODES: frozenset | None = None


def _codes_of_modules(names: tuple[str, ...], prefixes: tuple[str, ...]) -> frozenset:
    """Code objects of the loaded modules named one of `names` or starting with a prefix."""
    out: set = set()
    for name, module in list(sys.modules.items()):
        if module and (name in names or name.startswith(prefixes)):
            out |= _codes_of_module(module)
    return frozenset(out)


def _package_codes() -> frozenset:
    """Code objects of this package's modules (the grader's helpers may skip a test)."""
    global _PACKAGE_CODES
    if _PACKAGE_CODES is None:
        _PACKAGE_CODES = _codes_of_modules(("autograder",), ("autograder.",))
    return _PACKAGE_CODES


def _raised_in_suite(exc: BaseException, suite_codes: frozenset | None = None) -> bool:
    """Tell whether pytest.skip()/xfail() was called by the grader's own code.

    Every frame between the test function and the call must be the suite's or
    this package's own code (compared by code object, not by file name), and
    the call itself must come from one of them: a skip raised by the student's
    code, or by a suite helper the student's code called, does not count.
    """
    grader = _package_codes() | (suite_codes or frozenset())
    if suite_codes is None:
        grader = grader | _disk_suite_codes()
    tb = exc.__traceback__
    seen_grader = False
    last = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code in grader:
            seen_grader = True
            last = "grader"
        elif code in _pytest_codes():
            pass
        elif seen_grader:
            return False  # someone else's code between the test and the skip
        tb = tb.tb_next
    return last == "grader"


_PYTEST_CODES: frozenset | None = None


def _pytest_codes() -> frozenset:
    global _PYTEST_CODES
    if _PYTEST_CODES is None:
        _PYTEST_CODES = _codes_of_modules(("pytest",), ("_pytest.",))
    return _PYTEST_CODES


def _disk_suite_codes() -> frozenset:
    out: set = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        if path and Path(path).parent == SUITES:
            out |= _codes_of_module(module)
    return frozenset(out)


def _forget_suites() -> None:
    """Drop suite modules from sys.modules so that pytest imports them afresh.

    With --import-mode=importlib pytest reuses a module already in
    sys.modules under the suite's name: a notebook could plant a fake suite
    there, or patch the real one between two checks.
    """
    suites = SUITES.resolve()
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        in_suites = False
        if path:
            with contextlib.suppress(OSError, ValueError):
                in_suites = Path(path).resolve().parent == suites
        if in_suites or name.startswith("test_") and (SUITES / f"{name}.py").exists():
            sys.modules.pop(name, None)


_PYTEST_ENV = {
    "PYTEST_ADDOPTS": None,
    "PYTEST_PLUGINS": None,
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
}


@contextlib.contextmanager
def _clean_pytest_env():
    """Run pytest without options or plugins smuggled in through the environment."""
    saved = {name: os.environ.get(name) for name in _PYTEST_ENV}
    for name, value in _PYTEST_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _reason(report) -> str:
    """Turn a pytest failure into a few lines a student can act on."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        text = crash.message
    else:
        text = str(report.longrepr)
    text = text.strip()
    for prefix in ("Failed: ", "AssertionError: "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    # Drop pytest's "assert ... == ..." introspection after a custom message, but keep a
    # schedule that an instrument appended after it (autograder.instruments.SCHEDULE_HEAD).
    if "\nassert " in text:
        head, _, rest = text.partition("\nassert ")
        schedule = rest.find("\nThe schedule that failed")
        text = head + (rest[schedule:] if schedule >= 0 else "")
    # A student's exception message can be of any size: keep the report short.
    lines = [
        line if len(line) <= 300 else line[:300] + " [...]" for line in text[:20000].splitlines()
    ]
    if len(lines) > 40:
        lines = lines[:40] + ["..."]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Entry points


def suite_path(assignment: str) -> Path:
    path = SUITES / f"test_{assignment}.py"
    if not path.exists():
        known = ", ".join(sorted(p.stem[5:] for p in SUITES.glob("test_*.py")))
        raise LookupError(f"no hidden suite for assignment {assignment!r} (known: {known})")
    return path


def run_suite(
    assignment: str,
    exercise: str,
    namespace: dict,
    points: float,
    *,
    deadline: float | None = None,
    budget: float | None = None,
    suite=None,
) -> Result:
    """Run the hidden tests of one exercise against `namespace`; never raise.

    `suite` is the suite module the seal built in memory (grading kernels have
    no hidden suites on disk); without it the suite is imported from
    ``autograder/suites``.
    """
    _install_excepthook()
    plugin = _Plugin(
        exercise,
        namespace,
        deadline if deadline is not None else DEFAULT_DEADLINE,
        budget if budget is not None else DEFAULT_BUDGET,
        sealed=suite is not None,
        suite=suite,
    )
    if suite is not None:
        # pytest collects files: give it an empty stand-in named like the suite.
        folder = Path(tempfile.mkdtemp(prefix="autograder-suite-"))
        (folder / "pytest.ini").write_text(_SUITE_INI)
        path = folder / f"{suite.__name__}.py"
        path.write_text("# the hidden suite is loaded from memory\n")
        ini, root = folder / "pytest.ini", folder
    else:
        try:
            path = suite_path(assignment)
        except LookupError as exc:
            return Result(assignment, exercise, points, [], error=str(exc))
        ini, root = SUITES / "pytest.ini", SUITES
    args = [
        str(path),
        "-c",
        str(ini),
        "--rootdir",
        str(root),
        "--import-mode=importlib",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:faulthandler",
        "-p",
        "no:timeout",
        "-p",
        "no:nbval",
        # legacypath adds attributes to pytest's classes during a run, which the
        # seal would take for tampering; the suites use pathlib paths only.
        "-p",
        "no:legacypath",
        "-W",
        "ignore",
    ]
    if suite is not None:
        # The suite is already compiled with rewritten asserts; pytest's import
        # hook in sys.meta_path would look like a change to the import system.
        args += ["--assert=plain"]
    sink = io.StringIO()
    caught: list = []
    old_hook = threading.excepthook

    def record(args):
        if args.exc_type is not Abandoned:
            caught.append(args)

    threading.excepthook = record
    _BUDGETS.append(plugin.stuck)
    try:
        _forget_suites()
        with (
            _clean_pytest_env(),
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
        ):
            pytest.main(args, plugins=[plugin])
        if os.environ.get("AUTOGRADER_DEBUG"):
            sys.__stderr__.write(sink.getvalue())
    except BaseException as exc:  # noqa: BLE001 - a grade must always come back
        return Result(assignment, exercise, points, plugin.outcomes, error=f"harness: {exc!r}")
    finally:
        threading.excepthook = old_hook
        _BUDGETS.remove(plugin.stuck)
        if suite is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
    reported = {o.name for o in plugin.outcomes} | plugin.skipped
    for item in plugin.collected:
        if item.nodeid not in reported:
            # The session ended before this test reported (pytest.exit(), an
            # interrupt): a test that never ran did not pass.
            weight_marker = item.get_closest_marker("weight")
            plugin.outcomes.append(
                TestOutcome(
                    name=item.nodeid,
                    title=_title(item),
                    weight=float(weight_marker.args[0]) if weight_marker else 1.0,
                    passed=False,
                    reason="not run: the test session ended before this test",
                )
            )
    result = Result(assignment, exercise, points, plugin.outcomes)
    if plugin.collect_errors:
        result.error = "the hidden suite could not be loaded:\n" + "\n".join(plugin.collect_errors)
    elif not plugin.outcomes:
        result.error = f"no hidden tests for exercise {exercise!r} in {assignment}"
    return result


def _tampering(changes: list[str]) -> str:
    return "the notebook changed the grading machinery, so this exercise scores 0:\n" + "\n".join(
        f"  - {c}" for c in changes
    )


@contextlib.contextmanager
def no_signals():
    """Ignore signals that have a Python handler while the grade is decided.

    A Python signal handler runs in the main thread with the frame it
    interrupted: during a check, that is the grader's own.
    """
    saved = {}
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            handler = signal.getsignal(sig)
        except (OSError, ValueError):
            continue
        if callable(handler) and handler is not signal.default_int_handler:
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                signal.signal(sig, signal.SIG_IGN)
                saved[sig] = handler
    try:
        yield
    finally:
        for sig, handler in saved.items():
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                signal.signal(sig, handler)


def _sealed_check(assignment: str, exercise: str, points: float, ns) -> tuple[float, str]:
    """Run the suite under the seal; return the sealed score and its verdict line.

    The seal knows this function by its code object: only a call of it can
    begin and end a sealed run.
    """
    with no_signals():
        begun: list = []
        _audit("autograder.begin", assignment, exercise, points, begun)
        suite = begun[0] if begun else None
        if suite is None:
            why = (
                begun[1]
                if len(begun) > 1
                else (
                    "the grading machinery was changed before this check, or the grade seal "
                    "did not answer"
                )
            )
            result = Result(assignment, exercise, points, [], error=str(why))
        else:
            result = run_suite(assignment, exercise, ns, points, suite=suite)
        ended: list = []
        _audit("autograder.end", ended)
    if len(ended) == 3 and type(ended[0]) is float:
        score, verdict, reasons = ended
    else:
        score, verdict, reasons = 0.0, "", ["the grade seal did not answer"]
    if reasons:
        result.error = _tampering(list(reasons))
    print(result.report(score))
    if verdict:
        print(verdict)
    return score


def check(assignment: str, exercise: str, points: float, ns: dict | None = None) -> float:
    """Grade one exercise in the running kernel: print a report, return the points earned.

    This is the single call in the hidden part of every autograded test cell::

        import autograder; autograder.check("01_threads", "run_in_threads", 4, globals())
    """
    if ns is None:
        ns = sys._getframe(1).f_globals
    if _seal.sealed():
        # A grading kernel: the seal decides, and the grader reads its verdict.
        return _sealed_check(assignment, exercise, float(points), ns)
    result = run_suite(assignment, exercise, ns, points)
    score = result.score
    print(result.report())
    if os.environ.get("AUTOGRADER_STRICT") and result.score < result.points:
        # Used by `make test`: the master notebooks must earn full marks.
        raise AssertionError(f"reference solution scored {result.score} / {result.points}")
    return score
