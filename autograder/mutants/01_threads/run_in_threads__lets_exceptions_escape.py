"""Lets exceptions kill the worker threads: they go to stderr and the caller gets None."""

import threading


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    results = [None] * len(arg_tuples)

    def work(i, args):
        results[i] = func(*args)

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(arg_tuples)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
