"""Raises the first exception to happen in time, not the first in input order."""

from concurrent.futures import as_completed


def parallel_map(func, items, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(func, item) for item in items]
        for f in as_completed(futures):
            f.result()  # Bug: raises whichever failure completes first
        return [f.result() for f in futures]
