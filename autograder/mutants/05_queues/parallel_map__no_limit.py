"""Ignores max_workers: one worker per item lets every call run at once."""


def parallel_map(func, items, max_workers):
    items = list(items)
    # Bug: one worker per item, whatever max_workers says.
    with ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
        return list(pool.map(func, items))
