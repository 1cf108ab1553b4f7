"""Cutting time limits: a join, or a worker's wait for more work, that gives up at once."""

from __future__ import annotations

import _thread
import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from autograder.testing import swapped

#: What a time limit becomes once a test cuts it: a join's, a worker's wait for more
#: work, or (``Registry(fast_timeouts=CUT)``) any wait on an instrumented primitive.
CUT = 0.01
#: How many times faster the clock runs for `FastWaits`' threads.
SPEEDUP = 1000.0
#: The clocks `FastWaits` speeds up (``time.<name>``).
CLOCKS = ("monotonic", "time", "perf_counter", "monotonic_ns", "time_ns", "perf_counter_ns")


def says_cut(n: int, on_what: str, noun: str, limit: float = CUT) -> str:
    """A sentence for a failure, when `n` time limits were cut short ("" when none were).

    >>> says_cut(2, "a wait", "wait")
    ' (this test makes any time limit on a wait run out after 0.01 s, and 2 waits with a limit ran out)'
    """
    if not n:
        return ""
    return (
        f" (this test makes any time limit on {on_what} run out after {limit:g} s, "
        f"and {n} {noun}{'s' if n != 1 else ''} with a limit ran out)"
    )


class _Cutter:
    """Cut finite time limits longer than `limit` to `limit`, counting the cuts in `cut`."""

    def __init__(self, cut: float = CUT) -> None:
        self.limit = cut
        self.cut = 0

    def _shorter(self, timeout: Any) -> Any:
        try:
            if timeout is not None and float(timeout) > self.limit:
                self.cut += 1
                return self.limit
        except (TypeError, ValueError):
            pass  # the real call says what is wrong with it
        return timeout

    def _says(self, on_what: str, noun: str) -> str:
        return says_cut(self.cut, on_what, noun, self.limit)


class FastJoins(_Cutter):
    """Cut every finite timeout given to ``join()`` on some threads to `cut` seconds.

    ``watch(thread)`` sets an instance attribute ``join`` on that thread, which
    wins over ``Thread.join`` and over a subclass's own ``join``. Code that joins
    with a time limit and then gives up does so at once, however long its
    limit, while code that joins with no limit, or joins again, still waits.
    `cut` counts the joins it cut short.
    """

    def __init__(self, cut: float = CUT) -> None:
        super().__init__(cut)
        #: How many times a watched thread's join() was called (a hold can end on it).
        self.joins = 0

    def _shorter(self, timeout: Any) -> Any:
        self.joins += 1
        return super()._shorter(timeout)

    def watch(self, thread: threading.Thread) -> bool:
        """Cut `thread`'s join timeouts from now on; False if it keeps no __dict__."""
        original = type(thread).join

        def join(timeout: float | None = None) -> Any:
            return original(thread, self._shorter(timeout))

        try:
            thread.join = join  # type: ignore[method-assign]
        except (AttributeError, TypeError):
            return False
        return True

    @contextlib.contextmanager
    def every_new_thread(self, spare: tuple[threading.Thread, ...] = ()) -> Iterator[FastJoins]:
        """While active, cut the join timeouts of every thread that was not alive when it
        began, except `spare` (the test's own): even a join that starts before the thread
        has run a line, which ``watch`` from inside the thread would come too late for.
        It patches ``Thread.join`` itself, so a subclass's own ``join`` that never calls
        it is not cut."""
        before = list(threading.enumerate()) + list(spare)
        old = {id(t) for t in before}
        original = threading.Thread.join

        def join(thread: threading.Thread, timeout: float | None = None) -> Any:
            if id(thread) in old:
                return original(thread, timeout)
            return original(thread, self._shorter(timeout))

        with swapped(threading.Thread, "join", join):
            yield self
        del before

    def says(self) -> str:
        """A sentence for a failure, when a join was cut short ("" otherwise)."""
        return self._says("a join()", "join")


class FastWaits(_Cutter):
    """While active, in the threads whose ident is in `idents`, make every time limit on a
    wait for more work run out at once, and every clock run fast.

    * A finite timeout of ``queue.Queue.get`` (so of every queue class built on it), of
      ``queue.SimpleQueue.get``, and of ``threading.Condition.wait`` (so of
      ``Event.wait``, ``Semaphore.acquire`` and ``wait_for``) is cut to `cut` seconds.
    * ``time.monotonic``, ``time.time`` and ``time.perf_counter`` (and their ``_ns``
      forms) run `SPEEDUP` times faster from the moment it began, and ``time.sleep``
      with them (it sleeps `SPEEDUP` times less real time). So a worker that polls
      (``get_nowait`` and ``time.sleep``) and quits once it has been idle for a while
      quits at once too, whether it reads the idle time off a clock or counts the
      turns of its loop.

    So code in those threads that waits a while for more work and then gives up (a
    worker that quits after an idle second, or an idle hour) gives up at once, however
    long its limit, while a wait with no limit, and a poll with no limit, still wait.
    Other threads (the test's, the grader's) are not touched; grader code must not read
    the clock, or sleep, in the chosen threads. ``SimpleQueue``, the clocks and ``sleep`` are module
    attributes, so a suite that uses this declares ``LIBRARY_WRITES = ("queue", "time")``.
    `spaces` are the student's namespaces (`student_spaces`), where a
    ``from time import monotonic`` or ``from queue import SimpleQueue`` is swapped too.
    `cut` counts the waits cut short, `fast_reads` the fast clock's readings, and
    `fast_sleeps` the sleeps it shortened.
    """

    def __init__(
        self,
        idents: set[int],
        cut: float = CUT,
        spaces: list[dict] = (),
        about: str = "a worker's wait for more work",
        where: str = "the workers' threads",
    ) -> None:
        super().__init__(cut)
        self.idents = idents
        self.spaces = list(spaces)
        self.fast_reads = 0
        self.fast_sleeps = 0
        #: For `says`: which waits are cut, and in which threads the clock runs fast.
        self.about, self.where = about, where

    def _shorter(self, timeout: Any) -> Any:
        if _thread.get_ident() not in self.idents:
            return timeout
        return super()._shorter(timeout)

    def _fast(self, real: Any) -> Any:
        """`real`, a clock of the time module, running SPEEDUP times faster in the chosen threads."""
        began = real()
        integral = type(began) is int

        def clock() -> Any:
            now = real()
            if _thread.get_ident() not in self.idents:
                return now
            self.fast_reads += 1
            ahead = (now - began) * SPEEDUP
            return now + (int(ahead) if integral else ahead)

        return clock

    def _fast_sleep(self) -> Any:
        """``time.sleep``, taking SPEEDUP times less real time in the chosen threads."""
        real = time.sleep

        def sleep(seconds: Any) -> None:
            # Only a plain positive number: anything else goes to the real sleep as it is.
            if type(seconds) in (int, float) and seconds > 0 and _thread.get_ident() in self.idents:
                self.fast_sleeps += 1
                seconds = seconds / SPEEDUP
            return real(seconds)

        return sleep

    def __enter__(self) -> FastWaits:
        get, wait = queue.Queue.get, threading.Condition.wait
        shorter = self._shorter

        def cut_get(q: queue.Queue, block: bool = True, timeout: Any = None) -> Any:
            return get(q, block, shorter(timeout) if block else timeout)

        def cut_wait(cond: threading.Condition, timeout: Any = None) -> bool:
            return wait(cond, shorter(timeout))

        class SimpleQueue(queue.SimpleQueue):
            def get(self, block: bool = True, timeout: Any = None) -> Any:
                return super().get(block, shorter(timeout) if block else timeout)

        self._stack = contextlib.ExitStack()
        self._stack.enter_context(swapped(queue.Queue, "get", cut_get))
        self._stack.enter_context(swapped(threading.Condition, "wait", cut_wait))
        self._stack.enter_context(swapped(queue, "SimpleQueue", SimpleQueue, self.spaces))
        for name in CLOCKS:
            fast = self._fast(getattr(time, name))
            self._stack.enter_context(swapped(time, name, fast, self.spaces))
        self._stack.enter_context(swapped(time, "sleep", self._fast_sleep(), self.spaces))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def says(self) -> str:
        """A sentence for a failure, when a wait was cut short ("" otherwise)."""
        says = self._says(self.about, "wait")
        if not self.fast_reads and not self.fast_sleeps:
            return says
        fast = (
            f"runs the clock and time.sleep {SPEEDUP:g} times faster in {self.where}, so a "
            "poll there that gives up after a while, by the clock or by counting turns, "
            "gives up at once"
        )
        return f"{says[:-1]}; it also {fast})" if says else f" (this test {fast})"
