"""Waits for each call to finish before it queues the next item: one call at a time."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    stop = object()
    todo = queue.Queue()
    ready = queue.Queue()
    results, errors = {}, {}

    def worker():
        while (task := todo.get()) is not stop:
            index, item = task
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc
            ready.put(index)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(max_workers)]
    for w in workers:
        w.start()
    for index, item in enumerate(items):
        if errors:
            break
        todo.put((index, item))
        ready.get()  # Bug: waits for this call before the next one starts
    for _ in workers:
        todo.put(stop)
    for w in workers:
        w.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(results))]
