"""Busy-waits on a counter the threads never manage to update: an endless loop.

`finished += 1` in the nested function makes `finished` local to it, so every
worker dies with UnboundLocalError and the caller spins for ever.
"""

import threading


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    results = [None] * len(arg_tuples)
    finished = 0

    def work(i, args):
        results[i] = func(*args)
        finished += 1  # noqa: F823 - the bug on purpose

    for i, args in enumerate(arg_tuples):
        threading.Thread(target=work, args=(i, args), daemon=True).start()
    while finished < len(arg_tuples):
        pass
    return results
