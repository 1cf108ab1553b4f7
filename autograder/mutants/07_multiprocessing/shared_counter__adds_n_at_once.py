%%writefile my_counter.py
"""Each process adds its whole n in one locked step instead of 1 at a time."""
import multiprocessing as mp


def add_ones(counter, n):
    with counter.get_lock():
        counter.value += n


def increment_in_processes(n_procs, n_each, context=None):
    ctx = context or mp.get_context()
    counter = ctx.Value("q", 0)
    processes = [ctx.Process(target=add_ones, args=(counter, n_each)) for _ in range(n_procs)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return counter.value
