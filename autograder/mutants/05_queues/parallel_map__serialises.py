"""Waits for each result before submitting the next call: one call at a time."""


def parallel_map(func, items, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        # Bug: result() right after submit() serialises everything.
        return [pool.submit(func, item).result() for item in items]
