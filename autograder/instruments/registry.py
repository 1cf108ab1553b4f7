"""The registry: the shared state of the instrumented objects of one test.

What tests ask of it (who holds what, a deadlock's cycle, the schedule so far) is in
`autograder.instruments.questions`; this module keeps the bookkeeping the primitives do.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .folding import FIRST_STEPS
from .lines import _student_line
from .primitives import Aborted, TrackedLock, primitive_key
from .questions import _Questions
from .worker import Worker

#: How long one blocking step lasts; blocked calls re-check `Registry.aborted` this often.
SLICE = 0.02


class Registry(_Questions):
    """Shared state of the instrumented objects of one test.

    `spurious`: seconds after which an `InstrumentedCondition.wait` returns
    without a notification. `slow_wakeup`: seconds a notified waiter may dawdle
    before it takes the lock back, until some other thread starts to wait.
    `pause_first_hold` and `party`: see `TrackedLock`. `switch_on_release`:
    seconds a thread that releases a `TrackedLock` (other than inside a
    Condition's wait) pauses until another thread has acquired that lock, so
    that a call made of two critical sections (check, release, re-acquire, act)
    always lets another thread in between them. `fast_timeouts`: seconds to
    which every finite timeout given to an instrumented wait or acquire is cut,
    so that code which gives up after a time limit gives up at once, however
    long the limit, while code that waits again or waits with no limit stays
    blocked.
    """

    def __init__(
        self,
        *,
        spurious: float | None = None,
        slow_wakeup: float | None = None,
        pause_first_hold: float | None = None,
        party: int = 0,
        switch_on_release: float | None = None,
        fast_timeouts: float | None = None,
    ) -> None:
        self.spurious = spurious
        self.slow_wakeup = slow_wakeup
        self.pause_first_hold = pause_first_hold
        self.party = party
        self.switch_on_release = switch_on_release
        self.fast_timeouts = fast_timeouts
        #: A test's hook, called as hook(thread ident, lock) before a TrackedLock is released.
        self.before_release: Callable[[int, TrackedLock], None] | None = None
        #: How many waits with a time limit `fast_timeouts` cut short.
        self.timeouts_cut = 0
        #: While set (see `newcomers_first`), a lock or semaphore is not handed to the
        #: threads already blocked on it: a thread that arrives now takes it if it is free.
        self.barging = False
        self._acquiring = 0
        #: Threads paused right after a release, until another thread takes the lock.
        self.paused_at_release: set[int] = set()
        #: Threads releasing a lock inside Condition.wait (never paused there).
        self._releasing_to_wait: set[int] = set()
        self.aborted = False
        self.waits_started = 0
        self.spurious_wakeups = 0
        self.instrumented = 0
        #: How many times each thread (by ident) called an instrumented primitive.
        self.calls: collections.Counter[int] = collections.Counter()
        self._cond = threading.Condition(threading.Lock())
        self._holds: dict[int, dict[TrackedLock, int]] = {}
        self._waiting: dict[int, Any] = {}
        self._timed: set[int] = set()
        self._wait_seq: dict[int, int] = {}
        self._trying: dict[int, tuple[TrackedLock, float]] = {}
        self._threads: dict[int, threading.Thread] = {}
        self._paused: set[int] = set()
        #: The schedule as it happened: (number, thread, what it did, where in the student's
        #: code, the id() of the primitive it touched or None, always shown?).
        self.steps: collections.deque[tuple] = collections.deque(maxlen=500)
        #: The first steps, kept even when a long spin pushes them out of `steps`.
        self.first_steps: list[tuple] = []
        self.step_count = 0
        #: The names of the threads in the deadlock `wait_deadlock` reported (see `schedule`).
        self.cycle_threads: frozenset[str] = frozenset()
        self._last_cycle: frozenset[str] = frozenset()

    # -- bookkeeping, called by the primitives

    def _step(self, me: int, what: str, on: Any = None, always: bool = False) -> None:
        """Record one step of the schedule: who did what, on which line of the student's
        code, and to which primitive `on`. A report shows a step on a primitive only if
        two or more threads touched it, and a note (no `on`) always. A step marked
        `always` (a wait with a time limit, a wake-up with no notify) counts as a second
        party on its primitive, so it is shown, with the other steps on that primitive."""
        self.step_count += 1
        key = None if on is None else primitive_key(on)
        step = (self.step_count, self.name(me), what, _student_line(), key, always)
        self.steps.append(step)
        if len(self.first_steps) < FIRST_STEPS:
            self.first_steps.append(step)

    def note(self, what: str) -> None:
        """Record a step that no instrumented primitive sees (a read or write of a
        watched attribute, say), so that it shows in the schedule in its place."""
        me = self._touch()
        with self._cond:
            self._step(me, what)

    @contextlib.contextmanager
    def newcomers_first(self) -> Iterator[None]:
        """While inside, let newly arriving threads take a free lock or semaphore before
        the threads that were already blocked on it, which stay blocked until the end;
        a thread woken in `Condition.wait` waits too before it takes its lock back.

        A real `Lock` or `Semaphore` promises no order among the threads that want it, so
        this is one of the schedules they allow: the one in which a newcomer barges in.
        On entry, wait (a slice at most) until no blocked thread is still in a timed try.
        """
        with self._cond:
            self.barging = True
            end = time.monotonic() + 5 * SLICE
            while self._acquiring and time.monotonic() < end:
                self._cond.wait(SLICE)
        try:
            yield
        finally:
            with self._cond:
                self.barging = False
                self._cond.notify_all()

    def _wait_out_newcomers(self) -> None:
        """Wait while newcomers go first (see `newcomers_first`)."""
        with self._cond:
            while self.barging and not self.aborted:
                self._cond.wait(SLICE)

    def _turn(self, acquire: Callable[[bool, float], bool], step: float) -> bool:
        """One step of a blocked acquire: acquire(True, step), or wait out the step while
        newcomers go first."""
        with self._cond:
            if self.barging:
                self._cond.wait(step)
                return False
            self._acquiring += 1
        try:
            return acquire(True, step)
        finally:
            with self._cond:
                self._acquiring -= 1
                if self.barging:
                    self._cond.notify_all()

    def _touch(self) -> int:
        me = threading.get_ident()
        self.calls[me] += 1
        current = threading.current_thread()
        if self._threads.get(me) is not current:  # an ended thread's ident is reused
            self._threads[me] = current
        return me

    def _check(self) -> None:
        if self.aborted:
            raise Aborted("the test is over: this blocked call was abandoned")

    def _enter_wait(self, me: int, what: Any, timed: bool = False) -> None:
        with self._cond:
            self._waiting[me] = what
            self._wait_seq[me] = self.waits_started
            if timed:
                self._timed.add(me)
            self.waits_started += 1
            self._cond.notify_all()

    def _leave_wait(self, me: int) -> None:
        with self._cond:
            self._waiting.pop(me, None)
            self._timed.discard(me)
            self._cond.notify_all()

    def _block(self, acquire: Callable[[bool, float], bool], timeout: float | None) -> bool:
        """Call acquire(True, step) in short steps until it succeeds, times out, or aborts."""
        if timeout is not None and self.fast_timeouts is not None and timeout > self.fast_timeouts:
            with self._cond:
                self.timeouts_cut += 1
            timeout = self.fast_timeouts
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            self._check()
            step = SLICE if end is None else max(0.0, min(SLICE, end - time.monotonic()))
            if acquire(True, step):
                return True
            if end is not None and time.monotonic() >= end:
                return False

    def _tried(self, me: int, lock: TrackedLock) -> None:
        with self._cond:
            self._trying[me] = (lock, time.monotonic())

    def _acquired(self, me: int, lock: TrackedLock) -> None:
        with self._cond:
            lock._takes += 1
            lock._last_taker = me
            self._trying.pop(me, None)
            held = self._holds.setdefault(me, {})
            held[lock] = held.get(lock, 0) + 1
            self._cond.notify_all()

    def _released(self, me: int, lock: TrackedLock) -> None:
        with self._cond:
            self._trying.pop(me, None)
            held = self._holds.get(me, {})
            if held.get(lock, 0) > 1:
                held[lock] -= 1
            else:
                held.pop(lock, None)
            self._cond.notify_all()

    def _settled(self) -> bool:
        """Whether every member of the party holds a lock, waits for one, or has ended."""
        busy = {t for t, held in self._holds.items() if held}
        busy |= {t for t, what in self._waiting.items() if isinstance(what, TrackedLock)}
        ended = {t for t, th in self._threads.items() if not th.is_alive()}
        return len(busy | ended) >= self.party

    def _pause_after_first_hold(self, me: int) -> None:
        if self.pause_first_hold is None or me in self._paused:
            return
        with self._cond:
            if sum(self._holds.get(me, {}).values()) != 1:
                return
            self._paused.add(me)
            end = time.monotonic() + self.pause_first_hold
            # Poll: threads that end do not notify.
            while not self.aborted and not self._settled() and time.monotonic() < end:
                self._cond.wait(0.005)

    def _switch_after_release(self, me: int, lock: TrackedLock) -> None:
        """Pause after releasing `lock` until another thread acquires it (or the time is up)."""
        if not self.switch_on_release or me in self._releasing_to_wait:
            return
        with self._cond:
            seen = lock._takes
            self.paused_at_release.add(me)
            self._cond.notify_all()
            try:
                self._cond.wait_for(
                    lambda: self.aborted or (lock._takes > seen and lock._last_taker != me),
                    self.switch_on_release,
                )
            finally:
                self.paused_at_release.discard(me)

    def wait_paused_at_release(self, worker: Worker, timeout: float = 1.0) -> bool:
        """Wait until `worker` is paused right after releasing a lock; False at the timeout."""
        end = time.monotonic() + timeout
        with self._cond:
            # Poll: a worker that finishes does not notify.
            while worker.thread.ident not in self.paused_at_release:
                if worker.done.is_set() or time.monotonic() >= end:
                    return False
                self._cond.wait(0.005)
            return True

    def _dawdle(self) -> None:
        """Wait, after a notification, until another thread starts to wait (or a timeout)."""
        with self._cond:
            seen = self.waits_started
            self._cond.wait_for(lambda: self.aborted or self.waits_started > seen, self.slow_wakeup)

    def abort(self) -> None:
        """Make every call that blocks on an instrumented primitive raise `Aborted`, now or later.

        Calls that need not block still succeed, so the test can read its objects.
        """
        with self._cond:
            self.aborted = True
            self._cond.notify_all()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.abort()
        if exc is None or not self.steps:
            return
        shown = self.schedule()
        try:
            import pytest
        except ImportError:  # outside a test run: nothing to add to
            return
        if isinstance(exc, pytest.fail.Exception) and exc.msg and shown not in exc.msg:
            pytest.fail(exc.msg + "\n" + shown, pytrace=False)
        if type(exc) is AssertionError and exc.args and shown not in str(exc.args[0]):
            raise AssertionError(f"{exc.args[0]}\n{shown}") from None
