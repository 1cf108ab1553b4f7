"""Runs the items in batches of max_workers threads and waits for each whole batch: one slow call holds up the rest."""


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    items = list(items)
    results, errors = {}, {}

    def call(index, item):
        try:
            results[index] = func(item)
        except BaseException as exc:
            errors[index] = exc

    for start in range(0, len(items), max_workers):
        batch = [
            threading.Thread(target=call, args=(start + k, x), daemon=True)
            for k, x in enumerate(items[start : start + max_workers])
        ]
        for t in batch:
            t.start()
        for t in batch:
            t.join()  # Bug: waits for the slowest call of the batch
        if errors:
            raise errors[min(errors)]
    return [results[i] for i in range(len(items))]
