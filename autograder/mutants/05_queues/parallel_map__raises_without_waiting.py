"""Raises as soon as a call fails, while the other calls are still running."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    stop = object()
    todo = queue.Queue()
    results, errors = {}, {}
    failed = threading.Event()

    def worker():
        while (task := todo.get()) is not stop:
            index, item = task
            if errors:
                continue
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc
                failed.set()

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(max_workers)]
    for w in workers:
        w.start()
    for index, item in enumerate(items):
        todo.put((index, item))
    for _ in workers:
        todo.put(stop)
    # Bug: leaves at the first failure without joining the workers that are still busy.
    while any(w.is_alive() for w in workers):
        if failed.wait(0.01):
            break
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(results))]
