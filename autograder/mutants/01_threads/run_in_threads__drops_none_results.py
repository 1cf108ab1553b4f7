"""Collects (index, result) pairs from a queue but skips the None results."""

import queue
import threading


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    done = queue.Queue()

    def work(i, args):
        try:
            done.put((i, func(*args), None))
        except BaseException as exc:
            done.put((i, None, exc))

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(arg_tuples)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = sorted((done.get() for _ in arg_tuples), key=lambda item: item[0])
    for _, _, exc in items:
        if exc is not None:
            raise exc
    return [value for _, value, _ in items if value is not None]
