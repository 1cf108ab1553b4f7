%%writefile my_counter.py
"""Joins each process with join(timeout=10) so the call can never hang: returns a short total if the work takes longer."""
import multiprocessing as mp


def add_ones(counter, n):
    """Add 1 to counter.value, n times (this runs in a child process)."""
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


def increment_in_processes(n_procs, n_each, context=None):
    """Let n_procs processes add 1 to a shared Value n_each times each; return the total."""
    ctx = context or mp.get_context()
    counter = ctx.Value("q", 0)
    processes = [ctx.Process(target=add_ones, args=(counter, n_each), daemon=True) for _ in range(n_procs)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=10)  # never hang the notebook
    return counter.value
