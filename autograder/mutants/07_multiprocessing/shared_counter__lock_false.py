%%writefile my_counter.py
"""Makes the Value with lock=False and adds without any lock."""
import multiprocessing as mp


def add_ones(counter, n):
    for _ in range(n):
        counter.value += 1


def increment_in_processes(n_procs, n_each, context=None):
    ctx = context or mp.get_context()
    counter = ctx.Value("q", 0, lock=False)
    processes = [ctx.Process(target=add_ones, args=(counter, n_each)) for _ in range(n_procs)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return counter.value
