%%writefile my_counter.py
"""Counts in a module-level int: each child changes its own copy, the parent sees 0."""
import multiprocessing as mp

total = 0


def add_ones(counter, n):
    global total
    for _ in range(n):
        total += 1


def increment_in_processes(n_procs, n_each, context=None):
    ctx = context or mp.get_context()
    processes = [ctx.Process(target=add_ones, args=(None, n_each)) for _ in range(n_procs)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return total
