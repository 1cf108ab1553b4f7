%%writefile my_counter.py
"""Uses a ctypes.c_long Value, acquires and releases it explicitly in try/finally, and starts the processes by a list."""
import ctypes
import multiprocessing as mp


def add_ones(counter, n):
    """Add 1 to counter.value, n times (this runs in a child process)."""
    remaining = n
    while remaining > 0:
        counter.acquire()
        try:
            counter.value = counter.value + 1
        finally:
            counter.release()
        remaining -= 1


def increment_in_processes(n_procs, n_each, context=None):
    """Let n_procs processes add 1 to a shared Value n_each times each; return the total."""
    if context is None:
        context = mp.get_context()
    counter = context.Value(ctypes.c_long, 0, lock=True)
    started = []
    for _ in range(n_procs):
        started.append(context.Process(target=add_ones, args=(counter, n_each)))
    for p in started:
        p.start()
    while started:
        started.pop().join()
    return int(counter.value)
