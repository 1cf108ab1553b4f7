"""The seal's one compiled part: a runtime-wide audit hook for subinterpreters.

CPython's Python-level audit hooks (``sys.addaudithook``) belong to one
interpreter, so the seal does not see what a notebook runs in a
subinterpreter. A hook added from C (``PySys_AddAuditHook``) is called for
every interpreter; ``native/subguard.c`` is one, and refuses there what the
seal refuses the notebook's code in the main interpreter (ctypes, gc's object
walks, other threads' frames, crafted bytecode, process memory by name).

:func:`ensure` builds it on the grader's side, before any kernel starts, with
the C compiler and flags that built this Python (``sysconfig``), into
``native/_subguard<EXT_SUFFIX>`` next to the source (ignored by git). The
kernel side, :func:`install`, only loads the built file: a grading kernel has
no compiler and a read-only view of the course. Where it cannot be built (no
compiler, no Python headers, a read-only checkout), both say why, and the seal
falls back to detecting subinterpreters (see docs/grading.md).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.machinery
import importlib.util
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "native"
SOURCE = HERE / "subguard.c"
NAME = "_subguard"


def built_path() -> Path:
    """Where the extension for this interpreter lives (one file per ABI)."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return HERE / f"{NAME}{suffix}"


def _stamp() -> str:
    return hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]


def _stamp_path() -> Path:
    return built_path().with_name(built_path().name + ".sha256")


def ensure() -> str | None:
    """Build the extension for this Python if it is missing or stale.

    Returns None when it is ready, else one line saying why it is not.
    """
    target = built_path()
    try:
        if target.exists() and _stamp_path().read_text().strip() == _stamp():
            return None
    except OSError:
        pass
    cc = sysconfig.get_config_var("CC") or "cc"
    include = sysconfig.get_paths()["include"]
    if not Path(include, "Python.h").exists():
        return f"no Python headers at {include}"
    flags = shlex.split(sysconfig.get_config_var("CFLAGSFORSHARED") or "-fPIC")
    try:
        fd, tmp = tempfile.mkstemp(suffix=target.suffix, dir=HERE)
    except OSError as exc:
        return f"cannot write next to {SOURCE.name}: {exc.strerror}"
    os.close(fd)
    command = [
        *shlex.split(cc),
        "-shared",
        *flags,
        "-O2",
        "-Wall",
        f"-I{include}",
        str(SOURCE),
        "-o",
        tmp,
    ]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        os.unlink(tmp)
        return f"the C compiler ({cc}) could not run: {exc}"
    if proc.returncode != 0:
        os.unlink(tmp)
        first = (proc.stderr.strip().splitlines() or ["no message"])[0]
        return f"the C compiler ({cc}) failed: {first}"
    os.chmod(tmp, 0o755)
    os.replace(tmp, target)
    _stamp_path().write_text(_stamp() + "\n")
    return None


def install() -> str | None:
    """Kernel side: load the built extension and add its hook (before the seal's).

    Returns None when the hook is in place, else one line saying why not.
    """
    target = built_path()
    if not target.exists():
        return "the subinterpreter guard is not built (the grader builds it; see docs/grading.md)"
    try:
        if _stamp_path().read_text().strip() != _stamp():
            return "the subinterpreter guard is older than its source"
        spec = importlib.util.spec_from_file_location(f"autograder.native.{NAME}", target)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.install()
    except Exception as exc:  # noqa: BLE001 - say why, the seal falls back to detection
        return f"the subinterpreter guard did not load: {type(exc).__name__}: {exc}"
    sys.modules.pop(f"autograder.native.{NAME}", None)
    return None


@functools.lru_cache(maxsize=1)
def status() -> str:
    """Build the guard if needed (grader side, once per process); one line on the result."""
    try:
        why = ensure()
    except Exception as exc:  # noqa: BLE001 - reported, and the seal falls back to detection
        why = f"{type(exc).__name__}: {exc}"
    if why is None:
        return "subinterpreter guard: on (a C audit hook for every interpreter)"
    return (
        f"subinterpreter guard: OFF ({why}); a subinterpreter a notebook makes is detected, "
        "but in an assignment whose exercise makes them (09) it is not contained"
    )
