"""Submits every call to an executor and reads the futures in input order."""

from concurrent.futures import wait


def parallel_map(func, items, max_workers):
    pool = ThreadPoolExecutor(max_workers=max_workers)  # raises ValueError below 1
    try:
        futures = [pool.submit(func, item) for item in items]
        wait(futures)
    finally:
        pool.shutdown(wait=True)
    out = []
    for future in futures:
        out.append(future.result())
    return out
