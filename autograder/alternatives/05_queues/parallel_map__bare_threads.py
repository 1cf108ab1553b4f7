"""Starts max_workers bare threads that take (index, item) pairs from a shared iterator under a lock."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    source = enumerate(items)
    lock = threading.Lock()
    results, failures = {}, {}

    def worker():
        while True:
            with lock:  # one thread at a time inside the iterator
                pair = next(source, None)
            if pair is None:
                return
            index, item = pair
            try:
                value = func(item)
            except BaseException as exc:
                with lock:
                    failures[index] = exc
                return  # calls not yet started may be skipped
            with lock:
                results[index] = value

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[min(failures)]
    return [results[i] for i in range(len(results))]
