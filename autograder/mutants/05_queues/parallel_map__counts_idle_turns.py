"""Workers poll the queue with get_nowait() and a 10 ms sleep, and quit "to be safe" after
500 empty polls in a row (five seconds, counted in turns rather than read off a clock): an
iterable that takes longer than that between items loses its later items."""

import queue
import threading
import time

_DONE = object()


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    todo = queue.Queue()
    results, errors = {}, {}
    total = 0

    def worker():
        empty_polls = 0
        while empty_polls < 500:
            try:
                job = todo.get_nowait()
            except queue.Empty:
                empty_polls += 1
                time.sleep(0.01)
                continue
            empty_polls = 0
            if job is _DONE:
                return
            index, item = job
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc

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
