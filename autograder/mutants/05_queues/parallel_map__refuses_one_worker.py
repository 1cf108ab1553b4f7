"""Checks `max_workers <= 1` instead of `< 1`, so a single worker is refused with ValueError."""

import queue
import threading


def parallel_map(func, items, max_workers):
    if max_workers <= 1:
        raise ValueError("max_workers must be at least 1")
    done = object()
    todo = queue.Queue()
    results, errors = {}, {}

    def worker():
        while True:
            task = todo.get()
            if task is done:
                return
            index, item = task
            if errors:
                continue
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc

    threads = [threading.Thread(target=worker) for _ in range(max_workers)]
    for t in threads:
        t.start()
    for index, item in enumerate(items):
        todo.put((index, item))
    for _ in threads:
        todo.put(done)
    for t in threads:
        t.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(results))]
