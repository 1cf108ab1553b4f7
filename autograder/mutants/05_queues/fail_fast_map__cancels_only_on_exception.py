"""Watches the calls with as_completed and cancels the queued ones in `except Exception`: a
call that raises a BaseException (not an Exception) leaves the with block without cancelling,
so every queued call still starts before the exception reaches the caller."""


def fail_fast_map(func, items, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(func, item) for item in items]
        try:
            for f in as_completed(futures):
                f.result()
        except Exception:
            for g in futures:
                g.cancel()
            raise
        return [f.result() for f in futures]
