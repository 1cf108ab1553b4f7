%%writefile my_counter.py
"""A separate Lock guards a Value made without one (lock=False)."""
import multiprocessing as mp


def add_ones(counter, n, lock):
    for _ in range(n):
        lock.acquire()
        try:
            counter.value = counter.value + 1
        finally:
            lock.release()


def increment_in_processes(n_procs, n_each, context=None):
    if context is None:
        context = mp.get_context()
    counter = context.Value("i", 0, lock=False)
    lock = context.Lock()
    workers = []
    for _ in range(n_procs):
        workers.append(context.Process(target=add_ones, args=(counter, n_each, lock)))
    for worker in workers:
        worker.start()
    for worker in reversed(workers):
        worker.join()
    return int(counter.value)
