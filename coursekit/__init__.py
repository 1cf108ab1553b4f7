"""Student-side helpers for the course notebooks.

Lessons and visible tests import from here instead of pasting helpers into cells.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from .deadline import call_with_deadline, finished, start

__all__ = ["call_with_deadline", "stacks", "within"]


def within(seconds: float, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Call func(*args, **kwargs) in a helper thread and wait at most `seconds` for it.

    Returns what `func` returns and re-raises what it raises. If it is still
    running after `seconds` (a deadlock, or an endless loop), raise
    TimeoutError instead of freezing the notebook. The stuck call is left
    running in a daemon thread; restart the kernel to get rid of it.

    >>> within(1, pow, 2, 10)
    1024
    """
    name = getattr(func, "__name__", "func")
    before = set(threading.enumerate())
    future, thread = start(func, args, kwargs, name=f"within-{name}")
    if not finished(thread, seconds):
        stuck = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        raise TimeoutError(
            f"{name}() did not return within {seconds:g} s: a deadlock or an endless loop?\n"
            + stacks(stuck)
        )
    return future.result()


def stacks(threads: list[threading.Thread], depth: int = 6) -> str:
    """Describe where each of `threads` is right now: name and innermost frames."""
    frames = sys._current_frames()
    out = []
    for thread in threads:
        frame = frames.get(thread.ident)
        if frame is None:
            continue
        entries = [f for f in traceback.extract_stack(frame) if "threading.py" not in f.filename]
        out.append(f"thread {thread.name!r} is stuck at:")
        for entry in entries[-depth:]:
            out.append(f"  {entry.filename}:{entry.lineno} in {entry.name}: {entry.line}")
    return "\n".join(out)
