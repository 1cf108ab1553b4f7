"""Watches the futures with as_completed and cancels everything at the first one that failed."""


def fail_fast_map(func, items, max_workers):
    failure = None
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(func, item) for item in items]
        for future in as_completed(futures):
            if future.exception() is not None:
                failure = future.exception()
                for other in futures:
                    other.cancel()
                break
    if failure is not None:
        raise failure
    return [future.result() for future in futures]
