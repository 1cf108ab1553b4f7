"""Workers wait for more work on an Event with a ten-second limit and quit when it runs
out, instead of waiting until the caller says there is no more: an iterable that takes
longer than that between items loses its later items."""

import collections
import threading


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    pending = collections.deque()
    more = threading.Event()
    lock = threading.Lock()
    results, errors = {}, {}
    done = []

    def worker():
        while True:
            with lock:
                job = pending.popleft() if pending else None
                if job is None:
                    if done:
                        return
                    more.clear()
            if job is None:
                if not more.wait(10.0):
                    return  # idle for ten seconds: no more work, surely
                continue
            index, item = job
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc

    workers = [threading.Thread(target=worker) for _ in range(max_workers)]
    for w in workers:
        w.start()
    total = 0
    for index, item in enumerate(items):
        with lock:
            pending.append((index, item))
            more.set()
        total += 1
    with lock:
        done.append(True)
        more.set()
    for w in workers:
        w.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(total)]
