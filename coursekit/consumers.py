"""Consumers and counters for the lessons on queues (05) and coroutines (06).

A *consumer* is any object with two methods, ``send(item)`` and ``close()``.
It knows nothing about threads, queues or event loops, so the same consumer
can be driven directly, from a thread fed by a queue, or from a coroutine.

>>> r = Recorder()
>>> r.send("a"); r.send("b"); r.close()
>>> r.items, r.closed
(['a', 'b'], 1)
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["Peak", "Printer", "Recorder"]


class Printer:
    """Print every item with a prefix, and say so when closed.

    >>> p = Printer("T-minus")
    >>> p.send(3)
    T-minus 3
    >>> p.close()
    T-minus: closed
    """

    def __init__(self, prefix: str = "got") -> None:
        self.prefix = prefix

    def send(self, item: Any) -> None:
        print(self.prefix, item)

    def close(self) -> None:
        print(f"{self.prefix}: closed")


class Recorder:
    """Record every item, how often ``close()`` was called, and which threads called.

    Safe to call from several threads at once.

    >>> r = Recorder()
    >>> r.send(1)
    >>> r.items, r.closed, r.threads
    ([1], 0, {'MainThread'})
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[Any] = []
        self.closed = 0
        self.threads: set[str] = set()

    def send(self, item: Any) -> None:
        with self._lock:
            self.items.append(item)
            self.threads.add(threading.current_thread().name)

    def close(self) -> None:
        with self._lock:
            self.closed += 1
            self.threads.add(threading.current_thread().name)


class Peak:
    """Count how many callers are inside a ``with`` block at once, and the most there were.

    Works for threads and for asyncio tasks alike.

    >>> peak = Peak()
    >>> with peak:
    ...     with peak:
    ...         peak.now
    2
    >>> peak.now, peak.most
    (0, 2)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self) -> Peak:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self.now -= 1
