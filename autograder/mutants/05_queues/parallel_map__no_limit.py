"""Ignores max_workers: one worker per item lets every call run at once."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    stop = object()
    todo = queue.Queue()
    results, errors = {}, {}

    def worker():
        while (task := todo.get()) is not stop:
            index, item = task
            if errors:
                continue
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc

    items = list(items)
    # Bug: one worker per item, whatever max_workers says.
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, len(items)))]
    for w in workers:
        w.start()
    for index, item in enumerate(items):
        todo.put((index, item))
    for _ in workers:
        todo.put(stop)
    for w in workers:
        w.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(results))]
