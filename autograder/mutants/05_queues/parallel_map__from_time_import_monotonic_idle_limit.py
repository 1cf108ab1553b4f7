"""The poller of parallel_map__polls_until_idle_for_seconds, with its clock and sleep
named by `from time import ...`: workers quit once no item has come for five seconds, so
an iterable that takes longer than that between items loses its later items."""

import queue
import threading
from time import monotonic, sleep

_DONE = object()


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    todo = queue.Queue()
    results, errors = {}, {}
    total = 0

    def worker():
        last = monotonic()
        while True:
            try:
                job = todo.get(block=False)
            except queue.Empty:
                if monotonic() - last >= 5.0:
                    return
                sleep(0.01)
                continue
            if job is _DONE:
                return
            index, item = job
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc
            last = monotonic()

    workers = [threading.Thread(target=worker) for _ in range(max_workers)]
    for w in workers:
        w.start()
    for index, item in enumerate(items):
        todo.put((index, item))
        total += 1
    for _ in workers:
        todo.put(_DONE)
    for w in workers:
        w.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(total)]
