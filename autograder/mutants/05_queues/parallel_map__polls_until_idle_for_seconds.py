"""Workers poll the queue with get_nowait() and a short sleep, and quit once the clock
says no item has come for five seconds (besides the sentinel): an iterable that takes
longer than that between items loses its later items. No wait here has a time limit."""

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
        idle_since = time.monotonic()
        while True:
            try:
                job = todo.get_nowait()
            except queue.Empty:
                if time.monotonic() - idle_since > 5.0:
                    return  # idle for five seconds: the caller must have gone
                time.sleep(0.005)
                continue
            if job is _DONE:
                return
            index, item = job
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc
            idle_since = time.monotonic()

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
