"""Correct results, but runs the calls in multiprocessing's ThreadPool instead of threads of its own."""

from multiprocessing.pool import ThreadPool


def parallel_map(func, items, max_workers):
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")

    def call(item):
        # The pool's workers die on a BaseException: bring every outcome back as a value.
        try:
            return False, func(item)
        except BaseException as exc:
            return True, exc

    with ThreadPool(max_workers) as pool:
        outcomes = pool.map(call, list(items), chunksize=1)
    for failed, value in outcomes:
        if failed:
            raise value
    return [value for _, value in outcomes]
