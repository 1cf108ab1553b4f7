"""Helpers for hidden suites: watch threads, count concurrency, wait with deadlines.

Every wait here has a deadline; nothing sleeps "long enough" and hopes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.002) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass; return its last value.

    >>> wait_until(lambda: True, timeout=1)
    True
    """
    end = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= end:
            return bool(predicate())
        time.sleep(interval)


class ThreadWatch:
    """Remember which threads existed, to find the ones started since.

    A Jupyter kernel runs threads of its own, so count by difference.

    >>> watch = ThreadWatch()
    >>> t = threading.Thread(target=time.sleep, args=(0.05,)); t.start()
    >>> t in watch.new_alive()
    True
    """

    def __init__(self) -> None:
        self.before = set(threading.enumerate())

    def new_alive(self) -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in self.before and t.is_alive()]

    def settle(self, timeout: float = 1.0) -> list[threading.Thread]:
        """Wait up to `timeout` for new threads to end; return those still alive."""
        wait_until(lambda: not self.new_alive(), timeout)
        return self.new_alive()


class ConcurrencyProbe:
    """Count how many callers are inside at once, with the maximum reached.

    >>> probe = ConcurrencyProbe()
    >>> with probe:
    ...     probe.active
    1
    >>> probe.peak
    1
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.entered = 0
        self.threads: set[int] = set()

    def __enter__(self) -> ConcurrencyProbe:
        with self._lock:
            self.active += 1
            self.entered += 1
            self.peak = max(self.peak, self.active)
            self.threads.add(threading.get_ident())
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self.active -= 1


def call_with_deadline(func: Callable, *args: Any, timeout: float) -> tuple[bool, Any]:
    """Run func(*args) in a daemon thread; return (finished, result or exception).

    Use it where a test calls student code that might block for ever, to turn a
    hang into a readable failure instead of the whole test's deadline.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["value"] = exc

    thread = threading.Thread(
        target=target, daemon=True, name=f"call-{getattr(func, '__name__', 'func')}"
    )
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return False, None
    return True, box.get("value")
