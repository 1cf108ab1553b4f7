"""Collects results on a queue as the calls finish, so they come back in completion order."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    stop = object()
    todo, done = queue.Queue(), queue.Queue()
    results, errors = {}, {}

    def worker():
        while (task := todo.get()) is not stop:
            index, item = task
            if errors:
                continue
            try:
                done.put(func(item))  # Bug: in the order the calls finish
            except BaseException as exc:
                errors[index] = exc

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
        raise errors[min(errors)]
    return [done.get() for _ in range(done.qsize())]
