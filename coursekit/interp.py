"""Subinterpreters (PEP 734) behind one small interface, on whatever Python runs the course.

- Python 3.14+: the standard library's ``concurrent.interpreters``.
- Python 3.13: the PyPI backport ``interpreters-pep-734`` (``interpreters_backport``),
  which requirements.txt installs on 3.13 only.
- Python 3.11 and 3.12: none; :func:`interpreters` raises ``RuntimeError`` saying so.

:func:`interpreters` returns a :class:`Backend` with the same four names on 3.13 and 3.14:
``create()`` (a new subinterpreter, with ``.id``, ``.exec(code)``,
``.prepare_main(**values)`` and ``.close()``), ``create_queue()`` (a queue that crosses
interpreters: ``put(obj)``, ``get(timeout=...)``), ``list_all()`` and ``ExecutionFailed``
(what ``exec`` raises when the code raises).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Backend", "available", "current_id", "interpreters", "why_unavailable"]

#: A test double may set ``_local.id`` while it runs code "in" a fake interpreter.
_local = threading.local()


@dataclass(frozen=True)
class Backend:
    """The subinterpreter API of this Python: see the module docstring."""

    name: str
    create: Callable[[], Any]
    create_queue: Callable[[], Any]
    list_all: Callable[[], list]
    get_current: Callable[[], Any]
    ExecutionFailed: type  # noqa: N815 - the name the standard library uses


def _stdlib() -> Backend | None:
    try:
        from concurrent import interpreters as mod  # Python 3.14+
    except ImportError:
        return None
    return Backend(
        "concurrent.interpreters (standard library)",
        mod.create,
        mod.create_queue,
        mod.list_all,
        mod.get_current,
        mod.ExecutionFailed,
    )


def _backport() -> Backend | None:
    if sys.version_info < (3, 13):  # the backport's 3.12 support is partial: not used here
        return None
    try:
        import interpreters_backport.interpreters as mod
        from interpreters_backport.interpreters import queues
    except ImportError:
        return None

    def create():
        interp = mod.create()
        # A queue can be handed to an interpreter only once it has imported the queue module.
        interp.exec("import interpreters_backport.interpreters.queues")
        return interp

    return Backend(
        "interpreters-pep-734 (PyPI backport of concurrent.interpreters)",
        create,
        queues.create,
        mod.list_all,
        mod.get_current,
        mod.ExecutionFailed,
    )


def why_unavailable() -> str:
    """Return why this Python has no subinterpreter API, or "" when it has one."""
    if _stdlib() is not None or _backport() is not None:
        return ""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if sys.version_info >= (3, 13):
        return (
            f"Python {version} has subinterpreters, but the backport is not installed: "
            "pip install interpreters-pep-734"
        )
    return (
        f"Python {version} has no public subinterpreter API: it needs Python 3.14 "
        "(concurrent.interpreters) or 3.13 with the interpreters-pep-734 backport"
    )


def available() -> bool:
    """Tell whether :func:`interpreters` will return a backend."""
    return not why_unavailable()


def interpreters() -> Backend:
    """Return this Python's subinterpreter API; raise RuntimeError if it has none."""
    backend = _stdlib() or _backport()
    if backend is None:
        raise RuntimeError(why_unavailable())
    return backend


def current_id() -> int:
    """Return the id of the interpreter running the caller (0 is the main interpreter)."""
    fake = getattr(_local, "id", None)
    if fake is not None:
        return fake
    backend = _stdlib() or _backport()
    if backend is None:
        return 0
    return int(backend.get_current().id)
