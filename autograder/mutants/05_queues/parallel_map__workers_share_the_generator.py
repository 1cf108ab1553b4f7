"""Lets every worker call next() on the same iterator without a lock: a generator that sleeps raises "already executing"."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    numbered = enumerate(items)  # Bug: shared by all the workers below, unguarded
    lock = threading.Lock()
    results, errors = {}, {}

    def worker():
        for i, x in numbered:
            try:
                value = func(x)
            except BaseException as exc:
                with lock:
                    errors[i] = exc
            else:
                with lock:
                    results[i] = value

    threads = [threading.Thread(target=worker) for _ in range(max_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(results))]
