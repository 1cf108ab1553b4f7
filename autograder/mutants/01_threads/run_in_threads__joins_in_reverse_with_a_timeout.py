"""Joins the threads last to first, each with a five-second time limit "to be safe": a
call that takes longer is given up on, and run_in_threads returns without its result."""

import threading


def run_in_threads(func, args_list):
    results = [None] * len(args_list)
    errors = [None] * len(args_list)

    def run(i, args):
        try:
            results[i] = func(*args)
        except BaseException as exc:
            errors[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in reversed(threads):
        t.join(5.0)
    for exc in errors:
        if exc is not None:
            raise exc
    return results
