"""Cancels the queued calls but raises at once, while calls that had started are still running."""


def fail_fast_map(func, items, max_workers):
    pool = ThreadPoolExecutor(max_workers=max_workers)
    futures = [pool.submit(func, item) for item in items]
    done, _ = wait(futures, return_when=FIRST_EXCEPTION)
    failed = [f for f in futures if f in done and f.exception() is not None]
    # Bug: wait=False lets the exception leave before the running calls end.
    pool.shutdown(wait=not failed, cancel_futures=True)
    if failed:
        raise failed[0].exception()
    return [f.result() for f in futures]
