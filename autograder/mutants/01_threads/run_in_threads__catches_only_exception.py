"""Catches Exception only: a SystemExit in a call ends its thread silently and is lost."""

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

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(arg_tuples)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for exc in errors:
        if exc is not None:
            raise exc
    return results
