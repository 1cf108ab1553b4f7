"""Joins each thread with a 2 s timeout "to be safe", then returns whatever results are in:
a call that takes longer than that is not waited for and its slot stays None."""

import threading


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    results = [None] * len(arg_tuples)
    errors = [None] * len(arg_tuples)

    def work(i, args):
        try:
            results[i] = func(*args)
        except BaseException as exc:
            errors[i] = exc

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(arg_tuples)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(2.0)  # don't hang forever on a stuck call
    for exc in errors:
        if exc is not None:
            raise exc
    return results
