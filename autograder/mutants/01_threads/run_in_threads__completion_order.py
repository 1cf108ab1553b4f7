"""Returns results in the order the calls finished, not in input order."""

import threading


def run_in_threads(func, arg_tuples):
    results = []
    lock = threading.Lock()

    def work(args):
        value = func(*args)
        with lock:
            results.append(value)

    threads = [threading.Thread(target=work, args=(args,)) for args in arg_tuples]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
