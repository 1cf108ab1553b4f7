"""Returns the executor's map iterator itself instead of a list."""


def parallel_map(func, items, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return pool.map(func, items)  # Bug: a generator, not a list
