"""Workers take items with get(timeout=1) and quit when the queue stays empty for a second
(instead of on a sentinel): with an iterable that takes longer than that between items,
every worker has quit and the later items are never processed."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    todo = queue.Queue()
    results, errors = {}, {}
    count = [0]

    def worker():
        while True:
            try:
                index, item = todo.get(timeout=1.0)
            except queue.Empty:
                return  # nothing more to do
            if errors:
                continue
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(max_workers)]
    for w in workers:
        w.start()
    for index, item in enumerate(items):
        todo.put((index, item))
        count[0] += 1
    for w in workers:
        w.join()
    if errors:
        raise errors[min(errors)]
    return [results.get(i) for i in range(count[0])]
