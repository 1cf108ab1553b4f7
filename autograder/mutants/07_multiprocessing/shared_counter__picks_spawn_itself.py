%%writefile my_counter.py
"""With context=None it picks spawn itself instead of the default start method."""
import multiprocessing as mp


def add_ones(counter, n):
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


def increment_in_processes(n_procs, n_each, context=None):
    ctx = context if context is not None else mp.get_context("spawn")
    counter = ctx.Value("q", 0)
    processes = [ctx.Process(target=add_ones, args=(counter, n_each)) for _ in range(n_procs)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return counter.value
