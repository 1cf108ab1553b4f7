%%writefile my_counter.py
"""Locks the read and the write separately, leaving a gap between them."""
import multiprocessing as mp


def add_ones(counter, n):
    for _ in range(n):
        with counter.get_lock():
            current = counter.value
        with counter.get_lock():
            counter.value = current + 1


def increment_in_processes(n_procs, n_each, context=None):
    ctx = context or mp.get_context()
    counter = ctx.Value("q", 0)
    processes = [ctx.Process(target=add_ones, args=(counter, n_each)) for _ in range(n_procs)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return counter.value
