"""Small functions to run in subinterpreters: each is importable by module and name.

A subinterpreter shares no objects with the main one, so code sent to it names a
function by its module and attribute, as here, and imports it there.
"""

from __future__ import annotations

import os
import select
import time

from coursekit.interp import current_id


def square(x):
    """Return x * x."""
    return x * x


def countdown(n):
    """Count n down to zero in pure Python (CPU-bound); return n."""
    start = n
    while n > 0:
        n -= 1
    return start


def where(x):
    """Return (x, the id of the interpreter running this call, its process id)."""
    return (x, current_id(), os.getpid())


def fail_if_negative(x):
    """Return x, or raise ValueError naming x if it is negative."""
    if x < 0:
        raise ValueError(f"negative item: {x}")
    return x


def meet(arg):
    """Write one byte to arg[0], wait up to arg[2] s for a byte on arg[1]; return arg[3].

    The caller reads the arrivals on one pipe and lets everyone go through the other,
    so it sees how many calls run at the same time (it works in any interpreter: file
    descriptors belong to the process).
    """
    arrive, release, timeout, tag = arg
    os.write(arrive, b"x")
    ready, _, _ = select.select([release], [], [], timeout)
    if ready:
        os.read(release, 1)
    return tag


def _voluntary_switches():
    """Return how often this thread gave up its core by waiting (Linux), or -1."""
    try:
        with open("/proc/thread-self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("voluntary_ctxt_switches:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def timed_countdown(n):
    """Count n down; return (start, end, CPU seconds, times this thread waited).

    start and end come from time.perf_counter(), one clock for the whole process, so
    calls in different interpreters can be compared: did they overlap? The CPU time is
    this thread's (time.thread_time()). The last number counts the thread's voluntary
    context switches (-1 where /proc is missing): a pure-Python loop never waits, unless
    it has to wait for a GIL that another thread holds.
    """
    waits = _voluntary_switches()
    start, cpu = time.perf_counter(), time.thread_time()
    while n > 0:
        n -= 1
    end, cpu = time.perf_counter(), time.thread_time() - cpu
    after = _voluntary_switches()
    return (start, end, cpu, after - waits if waits >= 0 and after >= 0 else -1)


def meet_then_countdown(arg):
    """meet(arg), whose tag arg[3] is a count n, then timed_countdown(n).

    Calls that meet are let go together, so their countdowns start at the same moment
    however slowly their interpreters were made.
    """
    return timed_countdown(meet(arg))


class TaskError(Exception):
    """An error of this module's own, with any arguments: it crosses as a pickle."""


class Halt(BaseException):
    """An exception that is not an ``Exception`` (as ``KeyboardInterrupt`` is not)."""


def fail_with_details(x):
    """Return x, or raise TaskError(x, "details") if it is negative."""
    if x < 0:
        raise TaskError(x, "details")
    return x


def halt_if_negative(x):
    """Return x, or raise Halt(x) (a BaseException) if it is negative."""
    if x < 0:
        raise Halt(x)
    return x


def scripted(arg):
    """One call of a scripted run: arg is (arrive, release, timeout, tag, fail).

    If `arrive` is a file descriptor, write one byte to it; if `release` is one, wait
    up to `timeout` s for a byte on it; then raise ValueError(tag) if `fail`, or
    return tag. With it a caller decides the order in which calls end.
    """
    arrive, release, timeout, tag, fail = arg
    if arrive is not None:
        os.write(arrive, b"x")
    if release is not None:
        ready, _, _ = select.select([release], [], [], timeout)
        if ready:
            os.read(release, 1)
    if fail:
        raise ValueError(tag)
    return tag
