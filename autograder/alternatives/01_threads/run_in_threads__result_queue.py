"""Correct: each thread puts (index, raised?, value) on a queue.Queue; after joining every
thread the caller drains the queue into slots, then raises the first failure in input order."""

import queue
import threading


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    box = queue.Queue()

    def work(i, args):
        try:
            value = func(*args)
        except BaseException as exc:
            box.put((i, True, exc))
        else:
            box.put((i, False, value))

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(arg_tuples)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = [None] * len(arg_tuples)
    while not box.empty():
        i, raised, value = box.get()
        outcomes[i] = (raised, value)
    for raised, value in outcomes:
        if raised:
            raise value
    return [value for _, value in outcomes]
