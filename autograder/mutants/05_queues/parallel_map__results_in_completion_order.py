"""Collects results with as_completed, so they come back in completion order."""

from concurrent.futures import as_completed


def parallel_map(func, items, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(func, item) for item in items]
        return [f.result() for f in as_completed(futures)]
