"""Re-raises the exception that happened first in time, not first in input order."""

import threading


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    results = [None] * len(arg_tuples)
    errors = []
    lock = threading.Lock()

    def work(i, args):
        try:
            results[i] = func(*args)
        except Exception as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(arg_tuples)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results
