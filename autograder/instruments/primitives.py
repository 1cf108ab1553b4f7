"""The tracked primitives: locks, conditions, semaphores and events that report to a `Registry`."""

from __future__ import annotations

import _thread
import collections
import threading
from typing import TYPE_CHECKING, Any

from .._harness import Abandoned

if TYPE_CHECKING:
    from .registry import Registry

#: Raised in a thread blocked on an instrumented primitive once its test is over. It is
#: the harness's own `Abandoned`, so a thread that dies of it is never reported on stderr.
Aborted = Abandoned


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
            reg._step(me, f"waits for {self.name}", self, always=timeout >= 0)
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
            reg._step(me, f"takes {self.name}", self)
            reg._pause_after_first_hold(me)
        return got

    def release(self) -> None:
        me = threading.get_ident()
        hook = self.registry.before_release
        if hook is not None and me not in self.registry._releasing_to_wait:
            hook(me, self)
        if me not in self.registry._releasing_to_wait:
            self.registry._step(me, f"releases {self.name}", self)
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


def primitive_key(primitive: Any) -> int:
    """What a schedule's step is on, by identity: TrackedLocks over one lock are one."""
    return id(getattr(primitive, "_inner", primitive))


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
        reg._step(
            me,
            f"waits on {self.name}{limit_text} (letting go of its lock)",
            self,
            always=timeout is not None,
        )
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
                me,
                f"is woken on {self.name}" if got else f"wakes on {self.name} with no notify",
                self,
                always=not got,
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
    cond.registry._step(
        cond.registry._touch(), f"calls {what} on {cond.name} ({waiting} waiting)", cond
    )


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
            reg._step(me, f"takes {self.name}", self)
            return True
        if not blocking:
            return False
        reg._step(me, f"waits for {self.name}", self)
        reg._enter_wait(me, self)

        try:
            got = reg._block(lambda _blocking, step: reg._turn(self._inner.acquire, step), timeout)
        finally:
            reg._leave_wait(me)
        if got:
            reg._step(me, f"takes {self.name}", self)
        return got

    def release(self, n: int = 1) -> None:
        self.registry._step(threading.get_ident(), f"releases {self.name}", self)
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
