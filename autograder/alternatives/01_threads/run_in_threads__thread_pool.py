"""Runs the calls in a ThreadPoolExecutor with one worker per call; futures keep the order."""

from concurrent.futures import ThreadPoolExecutor


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    if not arg_tuples:
        return []
    with ThreadPoolExecutor(max_workers=len(arg_tuples)) as pool:
        futures = [pool.submit(func, *args) for args in arg_tuples]
    # The with block has waited for every call; exception() never blocks now.
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error
    return [future.result() for future in futures]
