%%writefile my_counter.py
"""`with counter:` takes the value's own lock; the processes are daemons joined in a loop."""
import multiprocessing as mp


def add_ones(counter, n):
    for _ in range(n):
        with counter:
            counter.value += 1


def increment_in_processes(n_procs, n_each, context=None):
    ctx = context if context is not None else mp.get_context()
    counter = ctx.Value("l", 0)
    procs = [ctx.Process(target=add_ones, args=(counter, n_each), daemon=True) for _ in range(n_procs)]
    for proc in procs:
        proc.start()
    while procs:
        procs.pop().join()
    with counter.get_lock():
        return counter.value
