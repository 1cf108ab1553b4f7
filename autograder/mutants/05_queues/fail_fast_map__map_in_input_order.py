"""Uses pool.map: it notices a failure only when it reaches that item, so queued calls go on starting meanwhile."""


def fail_fast_map(func, items, max_workers):
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(func, items))
