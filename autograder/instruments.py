"""Instrumented primitives for the hidden suites of 02_locks and 03_synchronization.

They make bad schedules happen on purpose, and they let a test see what the
student's threads are doing. Nothing here hopes for a race: each tool forces one.

* `Registry` is shared by the instrumented objects of one test. It knows which
  thread holds which `TrackedLock`, which threads are blocked and where, and
  `abort()` makes every blocked call raise `Aborted` so that a deadlocked
  submission leaves no thread behind.
* `TrackedLock` is lock-like: ``acquire(blocking=True, timeout=-1)``,
  ``release()``, ``locked()`` and ``with``. With ``Registry(pause_first_hold=s)``
  a thread that has just taken its first lock waits (up to ``s`` seconds) until
  the whole party holds or waits for a lock: locks nested in the wrong order
  then deadlock every time, and `Registry.deadlock()` names the cycle.
* `InstrumentedCondition` is a `threading.Condition` that can wake its waiters
  spuriously (``Registry(spurious=s)``) and can make a notified thread slow to
  come back (``Registry(slow_wakeup=s)``), so that ``if`` instead of ``while``
  and ``notify()`` to the wrong kind of waiter fail every time.
* `instrument_primitives(obj, registry)` swaps those in for the locks,
  conditions, semaphores and events an object keeps in its attributes.
* `hook_attributes(obj, names, hook)` turns instance attributes into data
  descriptors that call ``hook(kind, obj, name, value)`` on every read and write;
  `ReadRendezvous` is such a hook: a read waits until another thread reads too,
  so an unlocked read-modify-write loses an update every time, while a locked
  one merely waits out a short timeout.

Example: a counter without a lock loses updates under a rendezvous.

>>> class Counter:
...     def __init__(self):
...         self.value = 0
...     def increment(self):
...         self.value += 1
>>> c = Counter()
>>> rendezvous = ReadRendezvous(timeout=1.0)
>>> undo = hook_attributes(c, ["value"], rendezvous)
>>> workers = [Worker(c.increment, name=f"w{i}") for i in range(2)]
>>> all(w.wait(2) for w in workers)
True
>>> undo(); c.value
1
"""

from __future__ import annotations

import _thread
import collections
import contextlib
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from coursekit.deadline import start
from coursekit.explore import brief as _brief
from coursekit.explore import hook_attributes, instance_attributes

from ._harness import Abandoned
from .testing import thread_name

__all__ = [
    "Aborted",
    "InstrumentedCondition",
    "ReadRendezvous",
    "Registry",
    "TrackedEvent",
    "TrackedLock",
    "TrackedSemaphore",
    "Worker",
    "hook_attributes",
    "instance_attributes",
    "instrument_primitives",
]

#: How long one blocking step lasts; blocked calls re-check `Registry.aborted` this often.
SLICE = 0.02
#: Steps of a forced schedule shown in a failure report (the last ones, where it failed).
SHOWN_STEPS = 12
#: Steps a Registry keeps from the start of a test, however many come after.
FIRST_STEPS = 40
#: How a report begins a schedule (``autograder._mutants.SCHEDULE_MARK`` looks for it).
SCHEDULE_HEAD = "The schedule that failed (forced, so a re-run repeats it)"
#: Known solutions kept in the package, graded like a student's code.
_SOLUTION_DIRS = tuple(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), d) for d in ("mutants", "alternatives")
)
#: Files whose frames are the course's or the standard library's, never the student's.
_OWN_FILES = (
    os.path.dirname(os.path.abspath(__file__)),
    os.path.dirname(os.path.abspath(threading.__file__)),
    os.path.dirname(os.path.abspath(start.__code__.co_filename)),
)


#: Raised in a thread blocked on an instrumented primitive once its test is over. It is
#: the harness's own `Abandoned`, so a thread that dies of it is never reported on stderr.
Aborted = Abandoned


# --------------------------------------------------------------------------
# Folding a schedule's repeats


def fold_repeats(steps: list[tuple[int, str, str, str]], longest: int = 6, least: int = 3) -> list:
    """Fold each run of a block of steps repeated `least` or more times into one entry.

    `steps` are (number, thread, what, where). A loop that spins or polls makes the
    same few steps over and over; what matters is the block and how often it ran.
    An entry is a step, or (first step, times, the block's steps). Steps missing
    from the numbering (dropped from the middle of a long run) start a new block.

    >>> s = [(1, "a", "x", "")] + [(k, "b", "y" if k % 2 else "z", "") for k in range(2, 12)]
    >>> [e if len(e) == 4 else (e[0][0], e[1], len(e[2])) for e in fold_repeats(s)]
    [(1, 'a', 'x', ''), (2, 5, 2)]
    """
    keys = [(who, did, where) for _k, who, did, where in steps]
    entries: list = []
    i = 0
    while i < len(steps):
        best = (0, 0)  # (steps covered, period)
        for period in range(1, longest + 1):
            times = 1
            while (
                i + (times + 1) * period <= len(steps)
                and keys[i + times * period : i + (times + 1) * period] == keys[i : i + period]
                and steps[i + (times + 1) * period - 1][0] - steps[i][0] == (times + 1) * period - 1
            ):
                times += 1
            if times >= least and times * period > best[0]:
                best = (times * period, period)
        if best[0]:
            covered, period = best
            entries.append((steps[i], covered // period, steps[i : i + period]))
            i += covered
        else:
            entries.append(steps[i])
            i += 1
    return entries


def _entry_steps(entry: tuple) -> int:
    if len(entry) == 2:  # steps not kept
        return 0
    return entry[1] * len(entry[2]) if len(entry) == 3 else 1


def _entry_first(entry: tuple) -> int:
    return entry[0] if len(entry) == 2 else (entry[0][0] if len(entry) == 3 else entry[0])


def _entry_lines(entry: tuple) -> list[str]:
    """A step's line, or a folded block's: its first and last step numbers and count."""
    if len(entry) == 2:
        return [f"  {entry[0]:>3}-{entry[1]}. (not kept: a long run of steps)"]
    if len(entry) == 4:
        k, who, did, where = entry
        return [f"  {k:>3}. {who}: {did}" + (f"  ({where})" if where else "")]
    first, times, block = entry
    last = first[0] + times * len(block) - 1
    lines = [f"  {first[0]:>3}-{last}. these {len(block)} step(s), {times} times over:"]
    for _k, who, did, where in block:
        lines.append(f"        {who}: {did}" + (f"  ({where})" if where else ""))
    return lines


# --------------------------------------------------------------------------
# The registry


class Registry:
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
        #: The schedule as it happened: (thread, what it did, where in the student's code).
        self.steps: collections.deque[tuple[int, str, str, str]] = collections.deque(maxlen=500)
        #: The first steps, kept even when a long spin pushes them out of `steps`.
        self.first_steps: list[tuple[int, str, str, str]] = []
        self.step_count = 0
        #: The names of the threads in the deadlock `wait_deadlock` reported (see `schedule`).
        self.cycle_threads: frozenset[str] = frozenset()
        self._last_cycle: frozenset[str] = frozenset()

    # -- bookkeeping, called by the primitives

    def _step(self, me: int, what: str) -> None:
        """Record one step of the schedule: who did what, on which line of the student's code."""
        self.step_count += 1
        step = (self.step_count, self.name(me), what, _student_line())
        self.steps.append(step)
        if len(self.first_steps) < FIRST_STEPS:
            self.first_steps.append(step)

    def note(self, what: str) -> None:
        """Record a step that no instrumented primitive sees (a read or write of a
        watched attribute, say), so that it shows in the schedule in its place."""
        me = self._touch()
        with self._cond:
            self._step(me, what)

    def schedule(self, limit: int = SHOWN_STEPS, about: str = "") -> str:
        """The last `limit` steps, numbered, as a report shows them ("" when none).

        With `about`, only the steps whose description contains it: the steps that
        touch one account, say, which is what a failure about that account needs.
        """
        # Sorted: two threads may number their steps in one order and append them in the other.
        kept = {s[0]: s for s in list(self.first_steps) + list(self.steps)}
        steps = sorted(s for s in kept.values() if about in s[2])
        what = f" that involve {about}" if about else ""
        cycle = self.cycle_threads
        if cycle and not about and any(s[1] in cycle for s in steps):
            # A deadlock: the steps of the threads in its cycle are the ones that matter.
            steps = [s for s in steps if s[1] in cycle]
            what = " of the threads in the cycle"
        if not steps:
            return ""
        entries = fold_repeats(steps)
        tail = list(self.steps)
        gap = None
        if self.first_steps and tail and tail[0][0] > self.first_steps[-1][0] + 1:
            # A long run pushed the steps between the first ones and the last ones out.
            gap = (self.first_steps[-1][0] + 1, tail[0][0] - 1)
            at = next((j for j, e in enumerate(entries) if _entry_first(e) > gap[1]), len(entries))
            entries.insert(at, gap)
        shown, lines = 0, []
        for entry in reversed(entries):
            text = _entry_lines(entry)
            if lines and len(lines) + len(text) > limit:
                break
            lines[:0] = text
            shown += 1
        folded = any(len(e) == 3 for e in entries[len(entries) - shown :])
        head = (
            f"{SCHEDULE_HEAD}, {'the last ' if shown < len(entries) else ''}"
            f"{sum(_entry_steps(e) for e in entries[len(entries) - shown :])} steps{what} "
            f"(of {self.step_count}){', with repeats folded' if folded else ''}"
            f"{'; a long run in the middle was not kept' if gap else ''}:"
        )
        return "\n".join([head, *lines])

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

    # -- what tests ask

    def holds(self, lock: TrackedLock, ident: int | None = None) -> bool:
        """Whether thread `ident` (default: the calling thread) holds `lock`."""
        ident = threading.get_ident() if ident is None else ident
        with self._cond:
            return self._holds.get(ident, {}).get(lock, 0) > 0

    def holders(self) -> dict[TrackedLock, int]:
        """Map each held TrackedLock to the ident of the thread holding it."""
        with self._cond:
            return {lock: t for t, held in self._holds.items() for lock in held}

    def wait_blocked(self, worker: Worker, timeout: float = 1.0, since: int | None = None) -> bool:
        """Wait until `worker` blocks in an instrumented primitive; False if it finished.

        With `since` (a value of `waits_started` read earlier), only a wait that
        began after that moment counts: a woken thread that goes back to waiting.
        At the timeout, return whether the worker is still running. If the object
        has no instrumented primitive (a design this module can't see into), give
        the worker a fixed 0.15 s to block instead.
        """
        if not self.instrumented:
            worker.wait(0.15)
            return not worker.done.is_set()
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                ident = worker.thread.ident
                if ident in self._waiting and (since is None or self._wait_seq[ident] >= since):
                    return True
                if worker.done.is_set() or time.monotonic() >= end:
                    return not worker.done.is_set()
                self._cond.wait(0.005)

    def name(self, ident: int) -> str:
        thread = self._threads.get(ident)
        # Thread's own name, bounded: a student's Thread subclass may make `name` lie or raise.
        return repr(thread_name(thread)) if thread else f"thread {ident}"

    def deadlock(self) -> tuple[str, bool] | None:
        """Describe a cycle of threads each waiting for a lock another holds, if any.

        Returns (description, spinning), where `spinning` says that some thread in
        the cycle keeps trying for its lock with non-blocking acquires instead of
        waiting. Waits with a timeout don't count: threads that wait with a timeout
        and then back off are not deadlocked (if they livelock, the deadline says so).
        """
        with self._cond:
            owner = {lock: t for t, held in self._holds.items() for lock in held}
            waits = {
                t: what
                for t, what in self._waiting.items()
                if isinstance(what, TrackedLock) and t not in self._timed
            }
            recent = time.monotonic() - 0.1
            tries = {
                t: lock
                for t, (lock, when) in self._trying.items()
                if when > recent and t not in waits
            }
            edges = {**waits, **tries}
            for start in edges:
                path, t = [], start
                while t in edges and t not in path:
                    path.append(t)
                    t = owner.get(edges[t])
                    if t is None:
                        break
                if t is not None and t in path:
                    cycle = path[path.index(t) :]
                    self._last_cycle = frozenset(self.name(c) for c in cycle)
                    text = "; ".join(
                        f"thread {self.name(c)} holds "
                        + ", ".join(lk.name for lk in self._holds.get(c, {}))
                        + (" and keeps trying for " if c in tries else " and waits for ")
                        + edges[c].name
                        for c in cycle
                    )
                    return text, any(c in tries for c in cycle)
            return None

    def wait_deadlock(self, workers: Worker | list[Worker], timeout: float) -> str | None:
        """Wait up to `timeout` for the workers to finish; describe the deadlock if they can't.

        Returns None when every worker finished. A cycle of blocked threads that
        persists for 50 ms ends the wait early, and so does a cycle of threads
        spinning on non-blocking acquires that persists for 0.5 s.
        """
        workers = [workers] if isinstance(workers, Worker) else list(workers)
        end = time.monotonic() + timeout
        first_seen = None
        while True:
            pending = [w for w in workers if not w.done.is_set()]
            if not pending:
                return None
            pending[0].wait(0.01)
            found = self.deadlock()
            now = time.monotonic()
            if found:
                text, spinning = found
                first_seen = first_seen or now
                if now - first_seen >= (0.5 if spinning else 0.05):
                    self.cycle_threads = self._last_cycle
                    return ("livelock: " if spinning else "deadlock: ") + text
            else:
                first_seen = None
            if now >= end:
                held = self.holders()
                detail = ", ".join(f"{lk.name} held by {self.name(t)}" for lk, t in held.items())
                return (
                    f"did not finish within {timeout:g} s (a deadlock, or threads spinning "
                    f"for ever?); {detail or 'no lock was held'}"
                )

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


# --------------------------------------------------------------------------
# Primitives


class TrackedLock:
    """A lock-like object that tells its registry who holds it and who waits for it.

    It wraps `inner` (a new `threading.Lock` by default; an RLock keeps its
    re-entrancy). It offers exactly the lock interface a caller may rely on:
    ``acquire(blocking=True, timeout=-1)``, ``release()``, ``locked()`` and the
    context manager. A blocked ``acquire`` gives up with `Aborted` when the
    registry is aborted, so a deadlocked test leaves no thread behind.
    """

    def __init__(self, registry: Registry, name: str, inner: Any = None) -> None:
        self.registry = registry
        self.name = name
        self._inner = threading.Lock() if inner is None else inner
        #: Threads blocked in acquire(), in the order they came. A released lock goes
        #: to the first of them, never to whichever the OS happens to wake, so which
        #: waiter gets in first is the same on every run. (A real Lock promises no
        #: order at all, so first-come-first-served is one of the schedules it allows.)
        self._queue: collections.deque[int] = collections.deque()
        self._takes = 0
        self._last_taker: int | None = None

    def _turn(self, me: int, step: float) -> bool:
        """One blocking step of a queued acquire: only the head of the queue may take the lock."""
        reg = self.registry
        with reg._cond:
            first = self._queue[0] if self._queue else me
            if first != me:
                reg._cond.wait(step)
                return False
        return reg._turn(self._inner.acquire, step)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        reg = self.registry
        me = reg._touch()
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        with reg._cond:
            # Nobody jumps the queue, except a thread re-entering an RLock it holds.
            may_take = not self._queue or reg.barging or reg._holds.get(me, {}).get(self, 0) > 0
        if may_take and self._inner.acquire(False):
            got = True
        elif not blocking:
            reg._check()  # a thread spinning on a lock after its test is over stops here
            reg._tried(me, self)
            return False
        else:
            reg._step(me, f"waits for {self.name}")
            with reg._cond:
                self._queue.append(me)
            reg._enter_wait(me, self, timed=timeout >= 0)
            try:
                got = reg._block(
                    lambda _blocking, step: self._turn(me, step), None if timeout < 0 else timeout
                )
            finally:
                with reg._cond:
                    self._queue.remove(me)
                    reg._cond.notify_all()
                reg._leave_wait(me)
        if got:
            reg._acquired(me, self)
            reg._step(me, f"takes {self.name}")
            reg._pause_after_first_hold(me)
        return got

    def release(self) -> None:
        me = threading.get_ident()
        hook = self.registry.before_release
        if hook is not None and me not in self.registry._releasing_to_wait:
            hook(me, self)
        if me not in self.registry._releasing_to_wait:
            self.registry._step(me, f"releases {self.name}")
        self.registry._released(me, self)
        self._inner.release()
        self.registry._switch_after_release(me, self)

    def _is_owned(self) -> bool:
        # What a Condition built on this lock asks; never probes by acquire and release.
        return self.registry.holds(self)

    def locked(self) -> bool:
        locked = getattr(self._inner, "locked", None)
        if locked is not None:
            return locked()
        return bool(self.registry.holders().get(self) is not None)

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<TrackedLock {self.name}>"

    def __getattr__(self, name: str) -> Any:
        # Anything beyond the lock interface (an RLock's _is_owned, say) is the inner lock's.
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._inner, name)


class InstrumentedCondition(threading.Condition):
    """A Condition that can wake spuriously and dawdle after a notification.

    It follows CPython's own `Condition.wait` protocol (a waiter lock appended
    to ``_waiters``, released by ``notify``), so ``notify``, ``notify_all`` and
    ``wait_for`` are the standard ones.
    """

    def __init__(self, registry: Registry, name: str, lock: Any = None) -> None:
        super().__init__(lock)
        self.registry = registry
        self.name = name

    def notify(self, n: int = 1) -> None:
        if self._is_owned():
            _notify_step(self, n)
        super().notify(n)

    def notify_all(self) -> None:
        if self._is_owned():
            _notify_step(self, None)
        # Not super().notify_all(): it calls self.notify(n), which would log a second step.
        threading.Condition.notify(self, len(self._waiters))

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        reg = self.registry
        me = reg._touch()
        try:
            limit_text = "" if timeout is None else f" for at most {float(timeout):g} s"
        except (TypeError, ValueError):
            limit_text = ""
        reg._step(me, f"waits on {self.name}{limit_text} (letting go of its lock)")
        waiter = _thread.allocate_lock()
        waiter.acquire()
        self._waiters.append(waiter)
        reg._releasing_to_wait.add(me)
        try:
            saved = self._release_save()
        finally:
            reg._releasing_to_wait.discard(me)
        got = spurious = False
        restore = True
        try:
            limit = None if timeout is None else max(0.0, float(timeout))
            if reg.spurious is not None and (limit is None or limit > reg.spurious):
                limit, spurious = reg.spurious, True
            reg._enter_wait(me, self)
            try:
                got = reg._block(waiter.acquire, limit)
            finally:
                reg._leave_wait(me)
            reg._step(
                me, f"is woken on {self.name}" if got else f"wakes on {self.name} with no notify"
            )
            if got and reg.slow_wakeup:
                reg._dawdle()
            if spurious and not got:
                reg.spurious_wakeups += 1
            return got or spurious
        except Aborted:
            # The test is over; taking the lock back could block for ever.
            restore = False
            raise
        finally:
            if restore:
                # A waiter takes its lock back as a thread that was already there:
                # while newcomers go first, it waits until they have had their turn.
                reg._wait_out_newcomers()
                self._acquire_restore(saved)
            if not got:
                try:
                    self._waiters.remove(waiter)
                except ValueError:
                    pass


def _notify_step(cond: InstrumentedCondition, n: int | None) -> None:
    waiting = len(cond._waiters)
    what = "notify_all()" if n is None else ("notify()" if n == 1 else f"notify({n})")
    cond.registry._step(cond.registry._touch(), f"calls {what} on {cond.name} ({waiting} waiting)")


class TrackedSemaphore:
    """Wrap a Semaphore so that its registry sees the threads blocked in it."""

    def __init__(self, registry: Registry, name: str, inner: Any) -> None:
        self.registry = registry
        self.name = name
        self._inner = inner

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        reg = self.registry
        me = reg._touch()
        if self._inner.acquire(False):
            reg._step(me, f"takes {self.name}")
            return True
        if not blocking:
            return False
        reg._step(me, f"waits for {self.name}")
        reg._enter_wait(me, self)

        try:
            got = reg._block(lambda _blocking, step: reg._turn(self._inner.acquire, step), timeout)
        finally:
            reg._leave_wait(me)
        if got:
            reg._step(me, f"takes {self.name}")
        return got

    def release(self, n: int = 1) -> None:
        self.registry._step(threading.get_ident(), f"releases {self.name}")
        self._inner.release(n)

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._inner, name)


class TrackedEvent:
    """Wrap an Event so that its registry sees the threads waiting on it."""

    def __init__(self, registry: Registry, name: str, inner: threading.Event) -> None:
        self.registry = registry
        self.name = name
        self._inner = inner

    def wait(self, timeout: float | None = None) -> bool:
        reg = self.registry
        me = reg._touch()
        if self._inner.is_set():
            return True
        reg._enter_wait(me, self)
        try:
            return reg._block(lambda _blocking, step: self._inner.wait(step), timeout)
        finally:
            reg._leave_wait(me)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._inner, name)


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class FastJoins:
    """Cut every finite timeout given to ``join()`` on some threads to `cut` seconds.

    ``watch(thread)`` sets an instance attribute ``join`` on that thread, which
    wins over ``Thread.join`` and over a subclass's own ``join``. Code that joins
    with a time limit and then gives up does so at once, however long its
    limit, while code that joins with no limit, or joins again, still waits.
    `cut` counts the joins it cut short.
    """

    def __init__(self, cut: float = 0.01) -> None:
        self.limit = cut
        self.cut = 0
        #: How many times a watched thread's join() was called (a hold can end on it).
        self.joins = 0

    def _shorter(self, timeout: Any) -> Any:
        self.joins += 1
        try:
            if timeout is not None and float(timeout) > self.limit:
                self.cut += 1
                return self.limit
        except (TypeError, ValueError):
            pass  # the real join says what is wrong with it
        return timeout

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

        threading.Thread.join = join  # type: ignore[method-assign]
        try:
            yield self
        finally:
            threading.Thread.join = original  # type: ignore[method-assign]
            del before

    def says(self) -> str:
        """A sentence for a failure, when a join was cut short ("" otherwise)."""
        if not self.cut:
            return ""
        return (
            f" (this test makes any time limit on a join() run out after {self.limit:g} s, "
            f"and {self.cut} join{'s' if self.cut != 1 else ''} with a limit ran out)"
        )


class FastWaits:
    """While active, cut every finite timeout of ``queue.Queue.get`` and of
    ``threading.Condition.wait`` (so of ``Event.wait``, ``Semaphore.acquire`` and
    ``wait_for`` too) to `cut` seconds, in the threads whose ident is in `idents`.

    Code in those threads that waits a while for more work and then gives up (a worker
    that quits after an idle second, or ten) gives up at once, however long its limit,
    while a wait with no limit still waits. Other threads (the test's, the grader's) are
    not touched. `cut` counts the waits it cut short.
    """

    def __init__(self, idents: set[int], cut: float = 0.01) -> None:
        self.idents = idents
        self.limit = cut
        self.cut = 0

    def _shorter(self, timeout: Any) -> Any:
        if timeout is None or _thread.get_ident() not in self.idents:
            return timeout
        try:
            if float(timeout) > self.limit:
                self.cut += 1
                return self.limit
        except (TypeError, ValueError):
            pass  # the real call says what is wrong with it
        return timeout

    def __enter__(self) -> FastWaits:
        get, wait = queue.Queue.get, threading.Condition.wait
        self._originals = get, wait

        def cut_get(q: queue.Queue, block: bool = True, timeout: Any = None) -> Any:
            return get(q, block, self._shorter(timeout) if block else timeout)

        def cut_wait(cond: threading.Condition, timeout: Any = None) -> bool:
            return wait(cond, self._shorter(timeout))

        queue.Queue.get = cut_get  # type: ignore[method-assign]
        threading.Condition.wait = cut_wait  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        queue.Queue.get, threading.Condition.wait = self._originals  # type: ignore[method-assign]

    def says(self) -> str:
        """A sentence for a failure, when a wait was cut short ("" otherwise)."""
        if not self.cut:
            return ""
        return (
            f" (this test makes any time limit on a worker's wait for more work run out "
            f"after {self.limit:g} s, and {self.cut} wait{'s' if self.cut != 1 else ''} "
            "with a limit ran out)"
        )


def _student_line() -> str:
    """Where the calling thread is in code that is not the course's: "line 12 in put()".

    Returns "" when that cannot be told (no such frame, or the grading kernel's seal
    refuses the frame).
    """
    try:
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            path = os.path.abspath(name)
            # In a sealed kernel the suites and their helpers run from memory, compiled
            # under "<hidden ...>" names (autograder._seal): they are the course's too.
            own = name.startswith("<hidden") or (
                path.startswith(_OWN_FILES) and not path.startswith(_SOLUTION_DIRS)
            )
            if not own and "contextlib" not in path:
                return f"line {frame.f_lineno} in {frame.f_code.co_name}()"
            frame = frame.f_back
    except Exception:  # noqa: BLE001 - a report detail, never worth a failure
        return ""
    return ""


def instrument_primitives(obj: Any, registry: Registry) -> list[str]:
    """Swap instrumented stand-ins for the primitives kept in `obj`'s attributes.

    Locks and RLocks become `TrackedLock`s (wrapping the original, so the same
    lock is still shared with any Condition built on it), Conditions become
    `InstrumentedCondition`s on the same lock, Semaphores and Events are wrapped.
    Returns the names of the attributes swapped. Call it right after building
    the object, before any thread uses it.
    """
    swapped = []
    made: dict[int, Any] = {}
    for name, value in instance_attributes(obj).items():
        if id(value) in made:
            new = made[id(value)]
        elif isinstance(value, _LOCK_TYPES):
            new = TrackedLock(registry, name, value)
        elif isinstance(value, threading.Condition) and not isinstance(
            value, InstrumentedCondition
        ):
            lock = value._lock
            if registry.switch_on_release:
                # The condition's lock must be a TrackedLock too, so that `with cond:`
                # pauses at its release; an attribute holding the same lock shares it.
                # (Not otherwise: a FIFO lock under every condition changes the free-running
                # schedules of the stress tests, and with them some wrong answers' scores.)
                if id(lock) not in made:
                    made[id(lock)] = TrackedLock(registry, f"{name}'s lock", lock)
                lock = made[id(lock)]
            new = InstrumentedCondition(registry, name, lock)
        elif isinstance(value, threading.Semaphore):
            new = TrackedSemaphore(registry, name, value)
        elif isinstance(value, threading.Event):
            new = TrackedEvent(registry, name, value)
        elif isinstance(value, queue.Queue) and value is not obj:
            # A queue keeps its conditions in attributes too: instrument them in place.
            instrument_primitives(value, registry)
            continue
        else:
            continue
        try:
            setattr(obj, name, new)
        except (AttributeError, TypeError):
            continue
        made[id(value)] = new
        swapped.append(name)
    registry.instrumented += len(swapped)
    return swapped


# --------------------------------------------------------------------------
# Hooked attributes


class ReadRendezvous:
    """A hook for `hook_attributes`: each read waits until another thread reads too.

    Two unlocked read-modify-writes then read the same value and one update is
    lost, every time. Under a lock no other thread can read, so the read just
    waits out `timeout` and goes on. `enabled` switches it off for the test's
    own reads.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.enabled = True
        self.reads = 0
        self.paired = 0
        self._cond = threading.Condition()

    def __call__(self, kind: str, obj: Any, name: str, value: Any) -> None:
        if kind != "read" or not self.enabled:
            return
        with self._cond:
            self.reads += 1
            mine = self.reads
            self._cond.notify_all()
            if self._cond.wait_for(lambda: self.reads > mine, self.timeout):
                self.paired += 1


class AccessLog:
    """A hook for `hook_attributes` that records every read and write, and explains
    a lost update with the few steps that caused it.

    Chain it with a rendezvous (``AccessLog(then=rendezvous)``): the rendezvous forces
    the bad interleaving, the log says what it was. A read is logged when it happens
    (the value is already read when the hook runs); a write is logged after `then`
    returns, just before the value is stored, so the log's order is the order in
    which the values really changed.
    """

    def __init__(self, then: Callable | None = None, limit: int = 5000) -> None:
        self.then = then
        self.limit = limit
        #: (thread, "read" or "write", attribute, value, where in the student's code)
        self.steps: list[tuple[str, str, str, Any, str]] = []
        self._lock = threading.Lock()

    def _record(self, kind: str, name: str, value: Any) -> None:
        where = _student_line()
        who = repr(thread_name(threading.current_thread()))
        with self._lock:
            if len(self.steps) < self.limit:
                self.steps.append((who, kind, name, value, where))

    def __call__(self, kind: str, obj: Any, name: str, value: Any) -> None:
        if kind == "read":
            self._record(kind, name, value)
        if self.then is not None:
            self.then(kind, obj, name, value)
        if kind == "write":
            self._record(kind, name, value)

    def schedule(self, limit: int = SHOWN_STEPS) -> str:
        """The last `limit` reads and writes, numbered ("" when none were recorded)."""
        steps = list(self.steps)
        shown = list(enumerate(steps))[-limit:]
        if not shown:
            return ""
        lines = [f"{SCHEDULE_HEAD}, the last {len(shown)} steps (of {len(steps)}):"]
        for j, (t, kd, nm, val, where) in shown:
            verb = (
                f"reads {nm} -> {_brief(val)}" if kd == "read" else f"writes {nm} <- {_brief(val)}"
            )
            lines.append(f"  {j + 1:>4}. {t}: {verb}" + (f"  ({where})" if where else ""))
        return "\n".join(lines)

    def lost_update(self) -> str:
        """The steps of the first lost update in the log, numbered, or "" if none.

        An update is lost when a thread writes an attribute back after another
        thread wrote it since this thread read it: the other thread's write is
        overwritten, as if it never happened.
        """
        steps = list(self.steps)
        last_read: dict[tuple[str, str], int] = {}
        for k, (who, kind, name, _value, _where) in enumerate(steps):
            if kind == "read":
                last_read[who, name] = k
                continue
            r = last_read.get((who, name))
            if r is None:
                continue
            between = [
                j
                for j in range(r + 1, k)
                if steps[j][2] == name and steps[j][1] == "write" and steps[j][0] != who
            ]
            if not between:
                continue
            w = between[0]
            other = steps[w][0]
            their_read = max(
                (j for j in range(0, w) if steps[j][:3] == (other, "read", name)), default=None
            )
            shown = sorted({r, w, k} | ({their_read} if their_read is not None else set()))
            lines = [
                f"{SCHEDULE_HEAD}, the {len(shown)} steps that lose an update "
                f"(of {len(steps)} recorded):"
            ]
            for j in shown:
                t, kd, nm, val, where = steps[j]
                verb = (
                    f"reads {nm} -> {_brief(val)}"
                    if kd == "read"
                    else f"writes {nm} <- {_brief(val)}"
                )
                lines.append(f"  {j + 1:>4}. {t}: {verb}" + (f"  ({where})" if where else ""))
            lines.append(
                f"Lost update: {who} read {name} (step {r + 1}) before {other} wrote it "
                f"(step {w + 1}), then wrote it itself (step {k + 1}) on the strength of "
                f"that stale read, so the write {other} made is overwritten."
            )
            return "\n".join(lines)
        return ""


# --------------------------------------------------------------------------
# Workers


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
        ours = (os.path.dirname(__file__), os.path.dirname(threading.__file__))
        stack = [f for f in traceback.extract_stack(frame) if not f.filename.startswith(ours)]
        if not stack:
            return "in the test's own code"
        last = stack[-1]
        return f"in {last.name}() at line {last.lineno}"
