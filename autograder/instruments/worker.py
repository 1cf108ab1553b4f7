"""A worker: a call run in a daemon thread, with its result or exception kept."""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from coursekit.deadline import start


class Worker:
    """Run func(*args) in a daemon thread and keep its result or exception.

    >>> w = Worker(pow, 2, 5, name="pow")
    >>> w.wait(1), w.result
    (True, 32)
    """

    def __init__(self, func: Callable, *args: Any, name: str) -> None:
        self.func = func
        self.args = args
        self.done = threading.Event()  # set once the call has returned or raised
        # The course's one deadline primitive: a daemon thread and a Future.
        self.future, self.thread = start(func, args, name=name)
        self.future.add_done_callback(lambda _: self.done.set())

    @property
    def result(self) -> Any:
        """What the call returned (None until it has, or if it raised)."""
        if not self.future.done() or self.future.exception() is not None:
            return None
        return self.future.result()

    @property
    def error(self) -> BaseException | None:
        """What the call raised (None until it has finished, or if it returned)."""
        return self.future.exception() if self.future.done() else None

    @property
    def name(self) -> str:
        return self.thread.name

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds; return whether the call has finished."""
        return self.done.wait(timeout)

    def where(self) -> str:
        """Say where in the student's code this worker is now, as 'in put() at line 12'."""
        frame = sys._current_frames().get(self.thread.ident)
        if frame is None:
            return "nowhere (it has finished)"
        # The autograder package (this file is in autograder/instruments/) and threading.
        ours = (os.path.dirname(os.path.dirname(__file__)), os.path.dirname(threading.__file__))
        stack = [f for f in traceback.extract_stack(frame) if not f.filename.startswith(ours)]
        if not stack:
            return "in the test's own code"
        last = stack[-1]
        return f"in {last.name}() at line {last.lineno}"
