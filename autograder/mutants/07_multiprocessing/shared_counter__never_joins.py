%%writefile my_counter.py
"""Returns without joining the processes, so it reads the total too early."""
import multiprocessing as mp


def add_ones(counter, n):
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


def increment_in_processes(n_procs, n_each, context=None):
    ctx = context or mp.get_context()
    counter = ctx.Value("q", 0)
    processes = [ctx.Process(target=add_ones, args=(counter, n_each)) for _ in range(n_procs)]
    for p in processes:
        p.start()
    return counter.value
