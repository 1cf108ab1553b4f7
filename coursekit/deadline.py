"""The course's one way to wait for a call with a deadline.

:func:`start` runs a call in a new daemon thread and hands back a
:class:`concurrent.futures.Future` that gets its result or its exception.
:func:`finished` waits at most so long for the call's thread to end, and
:func:`call_with_deadline` puts the two together: it returns the call's
result, re-raises its exception, or raises :class:`TimeoutError` if it is
still running. A stuck call cannot be stopped from outside (threads cannot be
killed); it is left running in its daemon thread.

Everything in the course that must not wait for ever is built on it:
:func:`coursekit.within` for lessons and visible tests,
``autograder.testing.call_with_deadline`` for the hidden suites, and the
harness's own per-test deadline.

>>> future, thread = start(pow, (2, 10))
>>> future.result(timeout=5)
1024
>>> call_with_deadline(5, sorted, [3, 1, 2])
[1, 2, 3]
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

__all__ = ["call_with_deadline", "finished", "start"]


def start(
    func: Callable[..., Any],
    args: tuple = (),
    kwargs: dict[str, Any] | None = None,
    *,
    name: str | None = None,
) -> tuple[Future, threading.Thread]:
    """Call func(*args, **kwargs) in a new daemon thread; return (its future, the thread).

    The arguments go as a tuple and a dict, as for :class:`threading.Thread`, so
    that any keyword, `name` included, can reach `func`. The future gets what
    the call returns, or what it raises (`BaseException` included, so a
    `SystemExit` in the call is not lost).
    """
    future: Future = Future()
    future.set_running_or_notify_cancel()

    def target() -> None:
        try:
            value = func(*args, **(kwargs or {}))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
            future.set_exception(exc)
        else:
            future.set_result(value)

    thread = threading.Thread(target=target, name=name or f"call-{name_of(func)}", daemon=True)
    thread.start()
    return future, thread


def name_of(func: Any) -> str:
    """The function's name, read only where no code of the caller's can run to give it."""
    plain = func.__func__ if type(func) is types.MethodType else func
    if type(plain) in (types.FunctionType, types.BuiltinFunctionType):
        return plain.__name__
    return "func"


def call_with_deadline(
    seconds: float, func: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> Any:
    """Return func(*args, **kwargs), or raise TimeoutError if it takes more than `seconds`."""
    future, thread = start(func, args, kwargs)
    if not finished(thread, seconds):
        raise TimeoutError(f"{name_of(func)}() did not return within {seconds:g} s")
    return future.result()


def finished(thread: threading.Thread, seconds: float) -> bool:
    """Wait at most `seconds` for a call's thread to end; did it?

    Waiting for the thread rather than the future means that when this says
    yes, nothing of the call is still running.
    """
    thread.join(seconds)
    return not thread.is_alive()
