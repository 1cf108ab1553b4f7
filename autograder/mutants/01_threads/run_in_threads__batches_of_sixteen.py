"""Runs at most 16 threads at a time (starts a batch, joins it, starts the next), so with
more than 16 tuples the later calls start only after the earlier ones have all finished."""

import threading

BATCH = 16  # don't start hundreds of threads at once


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    results = [None] * len(arg_tuples)
    errors = [None] * len(arg_tuples)

    def work(i, args):
        try:
            results[i] = func(*args)
        except BaseException as exc:
            errors[i] = exc

    for lo in range(0, len(arg_tuples), BATCH):
        batch = [
            threading.Thread(target=work, args=(i, arg_tuples[i]))
            for i in range(lo, min(lo + BATCH, len(arg_tuples)))
        ]
        for t in batch:
            t.start()
        for t in batch:
            t.join()
    for exc in errors:
        if exc is not None:
            raise exc
    return results
