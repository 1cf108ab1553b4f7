"""Wakes at the first exception but cancels nothing: leaving the with block runs every queued call."""


def fail_fast_map(func, items, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(func, item) for item in items]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for f in futures:
            if f in done and f.exception() is not None:
                raise f.exception()  # Bug: the queued calls are not withdrawn
        return [f.result() for f in futures]
