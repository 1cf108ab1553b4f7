"""Keep a notebook from faking its own grade.

A student's code runs in the same kernel as the hidden tests, so the number a
test cell shows cannot be trusted by itself: the notebook could replace
``autograder.check``, patch ``pytest`` or ``builtins``, plant a fake suite in
``sys.modules``, or change ``sys.displayhook`` so that 0 is shown as 6.

The grader (``autograder.preprocessors.SafeExecute``) therefore arms this
guard in every grading kernel before any cell of the notebook runs:

1. It writes a fresh random key to a private file and runs ``arm(path)``
   silently in the kernel. ``arm`` reads the key, deletes the file, imports
   the modules the harness relies on, and takes a snapshot of them.
2. ``autograder.check`` asks the guard whether anything in the snapshot
   changed, before and after it runs the suite. If so the exercise scores 0,
   with the list of changes as the reason.
3. ``check`` prints an HMAC of "assignment, exercise, points, score" under the
   report. After the notebook has run, the grader recomputes the HMAC for the
   score each test cell shows, and gives 0 (with a reason) to any cell whose
   score carries no valid signature. It then removes the signature lines.

This stops what a monkeypatch can do. It does not stop code that digs the key
out of the kernel's memory (closures, ``gc``, ``ctypes``): the key lives in
the same process as the student's code. docs/grading.md says more.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import os
import re
import secrets
import sys
import types

#: The line check() prints under its report when the guard is armed.
SIGNATURE = re.compile(r"^\[autograder signature v1 ([0-9a-f]{64})\]\n?", re.M)
#: The hidden line of a test cell: autograder.check("A", "E", P, ...).
CHECK_CALL = re.compile(
    r"autograder\.check\(\s*[\"'](?P<a>[^\"']+)[\"']\s*,\s*[\"'](?P<e>[^\"']+)[\"']\s*,\s*(?P<p>[0-9.]+)"
)

# Modules whose functions and classes the harness relies on, by name prefix.
GUARDED_PREFIXES = (
    "autograder",
    "coursekit",
    "pytest",
    "_pytest",
    "pluggy",
    "iniconfig",
    "builtins",
    "importlib",
    "inspect",
    "traceback",
    "threading",
    "_thread",
    "time",
    "asyncio",
    "concurrent",
    "contextlib",
    "io",
    "_io",
    "ctypes",
    "hmac",
    "hashlib",
    "_hashlib",
    "functools",
    "dataclasses",
    "types",
)
# Names rebound at run time by the harness (excepthook) or by ipykernel, which
# swaps input() for every execution request.
UNGUARDED = {("threading", "excepthook"), ("builtins", "input"), ("builtins", "raw_input")}
PRELOAD = ("autograder._harness", "autograder.testing", "coursekit", "pytest", "asyncio", "ctypes")


# Builtins are bound as default arguments, at import time, so that a notebook
# that replaces them cannot bend the guard's own comparisons.
def _message(assignment, exercise, points, score, _float=float, _repr=repr, _str=str) -> bytes:
    text = "v1\0" + _str(assignment) + "\0" + _str(exercise) + "\0"
    return (text + _repr(_float(points)) + "\0" + _repr(_float(score))).encode()


def mac(key: bytes, assignment: str, exercise: str, points, score) -> str:
    """Return the hex HMAC that vouches for `score` on one exercise."""
    return hmac.new(key, _message(assignment, exercise, points, score), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------
# Kernel side


def _is_guarded(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in GUARDED_PREFIXES)


def _preload() -> None:
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - a missing optional module is fine
            continue
    # pytest imports most of its plugins lazily; load them now so that a
    # notebook cannot put its own versions in sys.modules first.
    try:
        import pkgutil

        import _pytest

        for info in pkgutil.iter_modules(_pytest.__path__, "_pytest."):
            try:
                importlib.import_module(info.name)
            except Exception:  # noqa: BLE001, S112
                continue
    except ImportError:
        pass


def _record(entries: dict, key: tuple, value) -> None:
    entries[key] = value
    if isinstance(value, types.FunctionType):
        entries[key + ("__code__",)] = value.__code__
        entries[key + ("__defaults__",)] = value.__defaults__
        entries[key + ("__kwdefaults__",)] = value.__kwdefaults__


_KINDS = (type, types.ModuleType, property, staticmethod, classmethod)


def _watch(value, _callable=callable, _isinstance=isinstance, _kinds=_KINDS) -> bool:
    return _callable(value) or _isinstance(value, _kinds)


def _snapshot() -> tuple[dict, dict, dict, tuple]:
    entries: dict = {}
    classes: dict = {}
    modules = {name: mod for name, mod in list(sys.modules.items()) if _is_guarded(name) and mod}
    for name, mod in modules.items():
        for attr, value in list(vars(mod).items()):
            if (name, attr) in UNGUARDED or not _watch(value):
                continue
            _record(entries, (name, attr), value)
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                members = {k: v for k, v in list(vars(value).items()) if _watch(v)}
                classes[(name, attr)] = (value, frozenset(members))
                for cattr, cvalue in members.items():
                    _record(entries, (name, attr, cattr), cvalue)
    hooks = (tuple(sys.meta_path), tuple(sys.path_hooks), sys.gettrace(), sys.getprofile())
    return modules, entries, classes, hooks


_MISSING = object()
_FUNCTION_PARTS = frozenset(("__code__", "__defaults__", "__kwdefaults__"))


def _lookup(key, modules, _vars=vars, _getattr=getattr, _hasattr=hasattr, _missing=_MISSING):
    obj = modules.get(key[0])
    obj = _vars(obj).get(key[1], _missing) if obj is not None else _missing
    for part in key[2:]:
        if obj is _missing:
            break
        if part in _FUNCTION_PARTS:
            obj = _getattr(obj, part, _missing)
        else:
            obj = _vars(obj).get(part, _missing) if _hasattr(obj, "__dict__") else _missing
    return obj


class _Armed:
    """The armed guard: a keyed MAC and the snapshot it compares against."""

    def __init__(self, key: bytes):
        self._mac = hmac.new(key, digestmod=hashlib.sha256)
        self._modules, self._entries, self._classes, self._hooks = _snapshot()

    def tampered(
        self,
        _sys=sys,
        _vars=vars,
        _list=list,
        _tuple=tuple,
        _len=len,
        _lookup=_lookup,
        _watch=_watch,
    ) -> list[str]:
        """List what changed since the guard was armed (empty when nothing did)."""
        changes = []
        for name, mod in self._modules.items():
            if _sys.modules.get(name) is not mod:
                changes.append("sys.modules[" + repr(name) + "] was replaced or removed")
        for key, value in self._entries.items():
            if _lookup(key, self._modules) is not value:
                changes.append(".".join(key) + " was changed")
        for key, (cls, members) in self._classes.items():
            # A new method or property in a class overrides the one it inherits.
            for k, v in _list(_vars(cls).items()):
                if k not in members and _watch(v):
                    changes.append(".".join(key + (k,)) + " was added")
        meta_path, path_hooks, trace, profile = self._hooks
        if _tuple(_sys.meta_path) != meta_path or _tuple(_sys.path_hooks) != path_hooks:
            changes.append("the import system (sys.meta_path or sys.path_hooks) was changed")
        if _sys.gettrace() is not trace or _sys.getprofile() is not profile:
            changes.append("a trace or profile function was installed")
        if _len(changes) > 8:
            changes = changes[:8] + ["... and more"]
        return changes

    def signature(self, assignment: str, exercise: str, points, score) -> str:
        h = self._mac.copy()
        h.update(_message(assignment, exercise, points, score))
        return f"[autograder signature v1 {h.hexdigest()}]"


_armed: _Armed | None = None


def arm(path: str) -> None:
    """Read the key from `path`, delete the file, and arm the guard (kernel side)."""
    global _armed
    with open(path, "rb") as fh:
        key = bytes.fromhex(fh.read().decode())
    os.unlink(path)
    _preload()
    _armed = _Armed(key)
    del key


def armed() -> _Armed | None:
    return _armed


# --------------------------------------------------------------------------
# Grader side


def new_key() -> bytes:
    return secrets.token_bytes(32)


def write_key(key: bytes, folder: str) -> str:
    """Write `key` to a new private file in `folder` and return its path."""
    path = os.path.join(folder, f"guard-{secrets.token_hex(8)}.key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex())
    return path


def arm_code(path: str) -> str:
    return f"import autograder._guard as _ag\n_ag.arm({path!r})\ndel _ag\n"


def signatures(text: str) -> list[str]:
    return SIGNATURE.findall(text)


def strip_signatures(text: str) -> str:
    return SIGNATURE.sub("", text)


def verify(key: bytes, assignment: str, exercise: str, points, score, macs: list[str]) -> bool:
    """Return True when one of `macs` vouches for `score`."""
    expected = mac(key, assignment, exercise, points, score)
    return any(hmac.compare_digest(expected, m) for m in macs)
