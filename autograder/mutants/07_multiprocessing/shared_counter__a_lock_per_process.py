%%writefile my_counter.py
"""Each child makes its own Lock, so the locks exclude nobody."""
import multiprocessing as mp


def add_ones(counter, n):
    lock = mp.Lock()  # a new lock in every process: nobody else ever holds it
    for _ in range(n):
        with lock:
            counter.value += 1


def increment_in_processes(n_procs, n_each, context=None):
    ctx = context or mp.get_context()
    counter = ctx.Value("q", 0)
    processes = [ctx.Process(target=add_ones, args=(counter, n_each)) for _ in range(n_procs)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return counter.value
