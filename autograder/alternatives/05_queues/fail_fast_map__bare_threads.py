"""Bare worker threads share a guarded iterator and stop taking items once one call has failed."""


def fail_fast_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    source = enumerate(items)
    lock = threading.Lock()
    results = {}
    failures = []

    def worker():
        while True:
            with lock:
                if failures:
                    return
                pair = next(source, None)
            if pair is None:
                return
            index, item = pair
            try:
                value = func(item)
            except BaseException as exc:
                with lock:
                    failures.append(exc)  # in the order they happened
                return
            with lock:
                results[index] = value

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    return [results[i] for i in range(len(results))]
