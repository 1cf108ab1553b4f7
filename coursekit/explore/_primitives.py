"""Stand-ins for threading's primitives, scheduled by the explorer (see `coursekit.explore`).

They keep the primitive's state themselves (owner, count, waiters, value, flag), so an
explored thread never blocks in the operating system: before each operation it stops at a
point, and goes on once the explorer chooses it, which it does only when the operation can
proceed (or, for a timed wait, when no other thread can go on).
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Explorer


class ControlledLock:
    """A Lock (or, with `reentrant`, an RLock) whose every acquire and release is a point."""

    def __init__(self, explorer: Explorer, name: str, reentrant: bool = False) -> None:
        self.explorer = explorer
        self.name = name
        self.reentrant = reentrant
        self.owner: Any = None
        self.count = 0

    def _free_for(self, me: Any) -> bool:
        return self.owner is None or (self.reentrant and self.owner == me)

    def _take(self, me: Any) -> None:
        self.owner = me
        self.count += 1

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        ctx = self.explorer._ctx()
        if ctx is None:  # the test's own thread, outside a run
            if not self._free_for("test"):
                return False
            self._take("test")
            return True
        run, me = ctx
        if not blocking or timeout == 0:
            run.point(me, None, None, False)
            if self._free_for(me):
                self._take(me)
                run.step(me, f"takes {self.name}", self)
                return True
            run.yielding[me] = True
            run.step(me, f"tries {self.name}, which is taken", self, changes=False)
            return False
        if run.point(me, lambda: self._free_for(me), self, timeout is not None and timeout >= 0):
            self._take(me)
            run.step(me, f"takes {self.name}", self)
            return True
        run.step(me, f"gives up waiting for {self.name}", self, clock=True)
        return False

    def release(self) -> None:
        ctx = self.explorer._ctx()
        me = "test" if ctx is None else ctx[1]
        if ctx is not None:
            ctx[0].point(me, None, None, False)
        if self.owner is None or (self.reentrant and self.owner != me):
            raise RuntimeError("release unlocked lock")
        self.count -= 1
        if self.count == 0:
            self.owner = None
        if ctx is not None:
            ctx[0].step(me, f"releases {self.name}", self)

    def locked(self) -> bool:
        return self.owner is not None

    def _is_owned(self) -> bool:
        ctx = self.explorer._ctx()
        return self.owner == ("test" if ctx is None else ctx[1])

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<ControlledLock {self.name}>"


class ControlledCondition:
    """A Condition on a `ControlledLock`: waits, wake-ups and notifies are points.

    Waiters are woken first come, first served, as CPython's Condition does.
    """

    def __init__(self, explorer: Explorer, name: str, lock: ControlledLock) -> None:
        self.explorer = explorer
        self.name = name
        self._lock = lock
        self._waiters: collections.deque[dict[str, Any]] = collections.deque()

    def acquire(self, *args: Any) -> bool:
        return self._lock.acquire(*args)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: Any) -> None:
        self._lock.release()

    def _is_owned(self) -> bool:
        return self._lock._is_owned()

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        ctx = self.explorer._ctx()
        if ctx is None:
            return False  # the test's own thread: nobody could notify it
        run, me = ctx
        lock = self._lock
        run.point(me, None, None, False)
        entry = {"notified": False}
        self._waiters.append(entry)
        saved, lock.owner, lock.count = lock.count, None, 0
        limit = "" if timeout is None else f" for at most {timeout:g} s"
        run.step(me, f"waits on {self.name}{limit} (letting go of {lock.name})", self)
        woken = run.point(me, lambda: entry["notified"], self, timeout is not None)
        if not woken and entry in self._waiters:
            self._waiters.remove(entry)
        run.step(
            me,
            f"is woken on {self.name}" if woken else f"stops waiting on {self.name}: timed out",
            self,
            clock=not woken,
        )
        run.point(me, lambda: lock.owner is None, lock, False)
        lock.owner, lock.count = me, saved
        run.step(me, f"takes {lock.name} back", lock)
        return woken

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        result = predicate()
        while not result:
            if not self.wait(timeout) and timeout is not None:
                return predicate()
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        ctx = self.explorer._ctx()
        if ctx is not None:
            ctx[0].point(ctx[1], None, None, False)
        waiting = len(self._waiters)
        for _ in range(min(n, waiting)):
            self._waiters.popleft()["notified"] = True
        if ctx is not None:
            what = "notify()" if n == 1 else ("notify_all()" if n >= 1 << 30 else f"notify({n})")
            ctx[0].step(ctx[1], f"calls {what} on {self.name} ({waiting} waiting)", self)

    def notify_all(self) -> None:
        self.notify(1 << 30)


class ControlledSemaphore:
    """A Semaphore whose acquires and releases are points."""

    def __init__(self, explorer: Explorer, name: str, value: int) -> None:
        self.explorer = explorer
        self.name = name
        self._value = value

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        ctx = self.explorer._ctx()
        if ctx is None:
            if self._value <= 0:
                return False
            self._value -= 1
            return True
        run, me = ctx
        if not blocking:
            run.point(me, None, None, False)
            if self._value > 0:
                self._value -= 1
                run.step(me, f"takes {self.name}", self)
                return True
            run.yielding[me] = True
            return False
        if run.point(me, lambda: self._value > 0, self, timeout is not None):
            self._value -= 1
            run.step(me, f"takes {self.name}", self)
            return True
        run.step(me, f"gives up waiting for {self.name}", self, clock=True)
        return False

    def release(self, n: int = 1) -> None:
        ctx = self.explorer._ctx()
        if ctx is not None:
            ctx[0].point(ctx[1], None, None, False)
        self._value += n
        if ctx is not None:
            ctx[0].step(ctx[1], f"releases {self.name}", self)

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


class ControlledEvent:
    """An Event whose waits and sets are points."""

    def __init__(self, explorer: Explorer, name: str, flag: bool) -> None:
        self.explorer = explorer
        self.name = name
        self._flag = flag

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        self._change(True, "sets")

    def clear(self) -> None:
        self._change(False, "clears")

    def _change(self, flag: bool, verb: str) -> None:
        ctx = self.explorer._ctx()
        if ctx is not None:
            ctx[0].point(ctx[1], None, None, False)
            ctx[0].step(ctx[1], f"{verb} {self.name}", self)
        self._flag = flag

    def wait(self, timeout: float | None = None) -> bool:
        ctx = self.explorer._ctx()
        if ctx is None:
            return self._flag
        run, me = ctx
        got = run.point(ctx[1], lambda: self._flag, self, timeout is not None)
        run.step(
            me,
            f"sees {self.name} set" if got else f"stops waiting for {self.name}: timed out",
            self,
            changes=False,
            clock=not got,
        )
        return self._flag
