"""The workloads: importable, so that process workers can find them by name."""

from __future__ import annotations

import asyncio
import os
import threading
import time


def countdown(n: int) -> None:
    """Count down from `n` to zero in pure Python: CPU-bound work that holds the GIL.

    This is Beazley's classic benchmark. Each step is a few bytecodes, so the
    thread running it needs the GIL the whole time.

    >>> countdown(1000)
    """
    while n > 0:
        n -= 1


def io_wait(seconds: float) -> None:
    """Wait `seconds` without using the CPU, the way a blocking read waits for data.

    `time.sleep`, like a socket read, releases the GIL while it waits.
    """
    time.sleep(seconds)


async def io_wait_async(seconds: float) -> None:
    """Wait `seconds` on the event loop: the asyncio version of `io_wait`."""
    await asyncio.sleep(seconds)


def _whoami(delay: float) -> tuple[int, int]:
    """Wait `delay` seconds, then return (process id, thread id) of the worker."""
    time.sleep(delay)
    return os.getpid(), threading.get_ident()


def calibrate_countdown(seconds: float, *, trials: int = 3) -> int:
    """Return the n for which `countdown(n)` takes about `seconds` on this machine.

    It times a short countdown a few times and keeps the fastest (the one least
    disturbed by other programs), so the estimate errs on the long side.
    """
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, not {seconds!r}")
    n = 20_000
    while True:
        start = time.perf_counter()
        countdown(n)
        elapsed = time.perf_counter() - start
        if elapsed >= 0.01 or n > 10**9:
            break
        n *= 4
    best = elapsed
    for _ in range(trials - 1):
        start = time.perf_counter()
        countdown(n)
        best = min(best, time.perf_counter() - start)
    return max(1, round(n * seconds / best))
