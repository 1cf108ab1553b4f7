"""Returns [] for no items before anything else, so fail_fast_map([], ..., 0) gives []
instead of raising ValueError."""


def fail_fast_map(func, items, max_workers):
    items = list(items)
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(func, item) for item in items]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in futures if f in done and f.exception() is not None]
        if failed:
            for f in futures:
                f.cancel()
            first = failed[0].exception()
        else:
            return [f.result() for f in futures]
    raise first
