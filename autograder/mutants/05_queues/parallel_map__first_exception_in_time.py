"""Raises the first exception to happen in time, not the first in input order."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    stop = object()
    todo = queue.Queue()
    results, errors = {}, []

    def worker():
        while (task := todo.get()) is not stop:
            index, item = task
            if errors:
                continue
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors.append(exc)  # Bug: kept in the order they happened

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(max_workers)]
    for w in workers:
        w.start()
    for index, item in enumerate(items):
        todo.put((index, item))
    for _ in workers:
        todo.put(stop)
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(results))]
