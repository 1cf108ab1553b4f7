"""Re-raises as soon as a joined thread failed, leaving later threads running."""

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
    for i, t in enumerate(threads):
        t.join()
        if errors[i] is not None:
            raise errors[i]
    return results
