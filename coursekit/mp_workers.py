"""Worker functions and a consumer for the multiprocessing lesson (07_multiprocessing).

A child process started with the spawn or forkserver method imports the
function it must run, by module and name. Functions defined in a notebook live
in ``__main__``, which the child cannot import, so the lesson's workers live
here instead.
"""

from __future__ import annotations

import os
import sys
import time

# --------------------------------------------------------------------------
# Processes: start, join, exit codes


def whoami() -> int:
    """Return the PID of the process that runs this function."""
    return os.getpid()


def sleep_for(seconds: float) -> None:
    """Sleep, so that the process stays alive for a while."""
    time.sleep(seconds)


def exit_with(code: int) -> None:
    """End the process with exit status `code` (what `sys.exit` does)."""
    sys.exit(code)


def ignore_sigterm_and_sleep(seconds: float, ready=None) -> None:
    """Ignore SIGTERM, set `ready` (an Event), then sleep: terminate() cannot stop this, kill() can."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if ready is not None:
        ready.set()
    time.sleep(seconds)


def die_abruptly() -> None:
    """End the process at once, without cleanup, as a crash would."""
    os._exit(1)


# --------------------------------------------------------------------------
# CPU-bound work for pools


def collatz_steps(n: int) -> int:
    """Return how many Collatz steps take n to 1 (n -> n/2 or 3n+1)."""
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def longest_collatz(start: int, stop: int) -> tuple[int, int]:
    """Return (steps, n) for the n in range(start, stop) with the most Collatz steps."""
    return max((collatz_steps(n), n) for n in range(max(start, 1), stop))


def nap(seconds: float) -> float:
    """Sleep `seconds`, then return it."""
    time.sleep(seconds)
    return seconds


def slow_square(x: float, delay: float = 0.1) -> float:
    """Return x * x after sleeping `delay` seconds."""
    time.sleep(delay)
    return x * x


def fail_on(x: int, bad: int) -> int:
    """Return x, or raise ValueError when x == bad."""
    if x == bad:
        raise ValueError(f"{x} is the bad value")
    return x


def tiny(x: int) -> int:
    """Return x + 1: a task so small that sending it costs more than doing it."""
    return x + 1


# --------------------------------------------------------------------------
# Queues and pipes


def put_items(q, items) -> None:
    """Put each item on queue `q` (a multiprocessing.Queue or a queue.Queue)."""
    for item in items:
        q.put(item)


def recv_until_eof(conn) -> None:
    """Receive and discard until end-of-file (this does not close the other end)."""
    while True:
        try:
            conn.recv()
        except EOFError:
            return


# --------------------------------------------------------------------------
# Shared state


def fill_slot(array, index: int, value) -> None:
    """Store `value` at array[index] (a multiprocessing.Array)."""
    array[index] = value


def double_in_shared_memory(name: str, length: int) -> None:
    """Attach to the shared-memory block `name`, double its `length` float64s, detach."""
    from multiprocessing import shared_memory

    import numpy as np

    block = shared_memory.SharedMemory(name=name)
    try:
        data = np.ndarray((length,), dtype=np.float64, buffer=block.buf)
        data *= 2
        del data  # release the view before closing the block
    finally:
        block.close()


def total(data) -> float:
    """Return the sum of `data` (an array that was pickled to get here)."""
    return float(data.sum())


def total_in_shared_memory(name: str, length: int) -> float:
    """Return the sum of the `length` float64s in shared-memory block `name`."""
    from multiprocessing import shared_memory

    import numpy as np

    block = shared_memory.SharedMemory(name=name)
    try:
        data = np.ndarray((length,), dtype=np.float64, buffer=block.buf)
        result = float(data.sum())
        del data
    finally:
        block.close()
    return result


# --------------------------------------------------------------------------
# Consumers: objects with send(item) and close(), as in Beazley's coprocesses


class Countdown:
    """Print "T-minus n" for each item sent, and "Kaboom!" when closed."""

    def send(self, item) -> None:
        print("T-minus", item, flush=True)

    def close(self) -> None:
        print("Kaboom!", flush=True)
