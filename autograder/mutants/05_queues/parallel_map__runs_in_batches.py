"""Runs the items in batches of max_workers and waits for each whole batch: one slow call holds up the rest."""


def parallel_map(func, items, max_workers):
    items = list(items)
    results = []
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        for start in range(0, len(items), max_workers):
            batch = [pool.submit(func, x) for x in items[start : start + max_workers]]
            results.extend(f.result() for f in batch)  # Bug: waits for the slowest of the batch
    return results
