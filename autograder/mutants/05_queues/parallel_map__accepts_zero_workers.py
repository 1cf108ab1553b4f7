"""Starts min(max_workers, len(items)) threads without checking max_workers: 0 quietly gives a list of Nones."""


def parallel_map(func, items, max_workers):
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
            except BaseException as exc:
                with lock:
                    errors[i] = exc

    # Bug: max_workers below 1 should raise ValueError; here it just starts no thread.
    threads = [threading.Thread(target=worker) for _ in range(min(max_workers, len(items)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[min(errors)]
    return results
