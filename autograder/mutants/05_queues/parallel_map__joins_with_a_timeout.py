"""Joins each worker with a 3 s timeout "so that a stuck call can't hang the program", then
builds the list from whatever results are in: a call slower than that comes back as None."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
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

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(max_workers)]
    for w in workers:
        w.start()
    count = 0
    for index, item in enumerate(items):
        todo.put((index, item))
        count += 1
    for _ in workers:
        todo.put(stop)
    for w in workers:
        w.join(timeout=3.0)
    if errors:
        raise errors[min(errors)]
    return [results.get(i) for i in range(count)]
