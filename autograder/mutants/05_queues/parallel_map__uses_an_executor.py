"""Correct results, but runs the calls in a concurrent.futures executor instead of threads of its own."""


def parallel_map(func, items, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(func, items))
