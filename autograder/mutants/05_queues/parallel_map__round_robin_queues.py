"""Deals the items out round-robin, one queue per worker: a slow call holds up the items
dealt to its worker while the other workers sit idle."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    stop = object()
    inboxes = [queue.Queue() for _ in range(max_workers)]
    results, errors = {}, {}

    def worker(inbox):
        while (task := inbox.get()) is not stop:
            index, item = task
            if errors:
                continue
            try:
                results[index] = func(item)
            except BaseException as exc:
                errors[index] = exc

    threads = [threading.Thread(target=worker, args=(q,), daemon=True) for q in inboxes]
    for t in threads:
        t.start()
    count = 0
    for index, item in enumerate(items):
        inboxes[index % max_workers].put((index, item))
        count += 1
    for q in inboxes:
        q.put(stop)
    for t in threads:
        t.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(count)]
