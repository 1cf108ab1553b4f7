# The honest twin of forge_lying_list: the same wrong values, in a plain list.
import threading
from concurrent.futures import ThreadPoolExecutor


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    with ThreadPoolExecutor(max(1, len(arg_tuples))) as pool:
        futures = [pool.submit(func, *args) for args in arg_tuples]
    for f in futures:
        if f.exception() is not None:
            raise f.exception()
    return [None] * len(futures)
