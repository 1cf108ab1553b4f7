"""Catches only Exception in its workers: a BaseException kills a worker and its result is silently missing."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    items = list(items)
    results = [None] * len(items)
    errors = {}
    lock = threading.Lock()
    todo = iter(range(len(items)))

    def worker():
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            try:
                results[i] = func(items[i])
            except Exception as exc:  # Bug: a BaseException escapes and ends the thread
                with lock:
                    errors[i] = exc

    threads = [threading.Thread(target=worker) for _ in range(min(max_workers, len(items)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[min(errors)]
    return results
