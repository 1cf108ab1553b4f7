"""Never shuts the pool down: the exception leaves while other calls are still running."""


def parallel_map(func, items, max_workers):
    pool = ThreadPoolExecutor(max_workers=max_workers)
    futures = [pool.submit(func, item) for item in items]
    # Bug: no shutdown, no with block; result() raises as soon as it meets a failure.
    return [f.result() for f in futures]
