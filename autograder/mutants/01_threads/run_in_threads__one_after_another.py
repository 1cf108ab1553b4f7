"""Joins each thread right after starting it, so the calls run one after another."""

import threading


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    results = [None] * len(arg_tuples)
    errors = [None] * len(arg_tuples)

    def work(i, args):
        try:
            results[i] = func(*args)
        except Exception as exc:
            errors[i] = exc

    for i, args in enumerate(arg_tuples):
        t = threading.Thread(target=work, args=(i, args))
        t.start()
        t.join()
    for exc in errors:
        if exc is not None:
            raise exc
    return results
