"""The idle limit of parallel_map__workers_quit_after_idle_seconds, on a queue.SimpleQueue
(whose get() is C code): workers stop on a sentinel, but also quit when no item has come
for five seconds, so an iterable that takes longer than that between items loses its
later items."""

import queue
import threading

_DONE = object()


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    todo = queue.SimpleQueue()
    results, errors = {}, {}
    total = 0

    def worker():
        while True:
            try:
                job = todo.get(timeout=5.0)
            except queue.Empty:
                return  # nothing for five seconds: the caller must have gone
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
