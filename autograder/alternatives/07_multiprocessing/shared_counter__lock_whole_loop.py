%%writefile my_counter.py
"""Each process takes the value's lock once and does all its n increments inside it, one read-plus-one write at a time."""
import multiprocessing as mp


def add_ones(counter, n):
    """Add 1 to counter.value, n times (this runs in a child process)."""
    with counter.get_lock():
        for _ in range(n):
            counter.value += 1


def increment_in_processes(n_procs, n_each, context=None):
    """Let n_procs processes add 1 to a shared Value n_each times each; return the total."""
    ctx = context or mp.get_context()
    counter = ctx.Value("q", 0)
    processes = [ctx.Process(target=add_ones, args=(counter, n_each)) for _ in range(n_procs)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return counter.value
