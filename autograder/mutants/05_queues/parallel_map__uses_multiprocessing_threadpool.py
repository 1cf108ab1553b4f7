"""Correct results, but runs the calls in multiprocessing's ThreadPool instead of threads of its own."""


from multiprocessing.pool import ThreadPool


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    items = list(items)
    with ThreadPool(max_workers) as pool:
        return pool.map(func, items, chunksize=1)
