"""Collects the results with as_completed, so they come back in completion order."""


def fail_fast_map(func, items, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(func, item) for item in items]
        results = []
        for f in as_completed(futures):
            if f.exception() is not None:
                for other in futures:
                    other.cancel()
                raise f.exception()
            results.append(f.result())  # Bug: completion order, not input order
        return results
