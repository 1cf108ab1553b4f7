"""Correct: max_workers threads share one iterator over items and call next() under a lock
(so only one thread at a time reads items), each tagging its item with the next index."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    it = iter(items)
    lock = threading.Lock()
    counter = [0]
    results, errors = {}, {}

    def take():
        with lock:
            if errors:
                return None
            for item in it:
                index = counter[0]
                counter[0] += 1
                return index, item
            return None

    def worker():
        while (task := take()) is not None:
            index, item = task
            try:
                results[index] = func(item)
            except BaseException as exc:
                with lock:
                    errors[index] = exc

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(counter[0])]
