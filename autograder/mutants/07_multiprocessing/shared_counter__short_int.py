%%writefile my_counter.py
"""Uses a C short ("h") for the shared Value: a total above 32767 wraps around."""
import multiprocessing as mp


def add_ones(counter, n):
    """Add 1 to counter.value, n times (this runs in a child process)."""
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


def increment_in_processes(n_procs, n_each, context=None):
    """Let n_procs processes add 1 to a shared Value n_each times each; return the total."""
    ctx = context or mp.get_context()
    counter = ctx.Value("h", 0)
    processes = [ctx.Process(target=add_ones, args=(counter, n_each)) for _ in range(n_procs)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return counter.value
