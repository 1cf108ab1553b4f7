"""Keeps results and exceptions in one list, so a call that returns an exception is re-raised."""

import threading


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    slots = [None] * len(arg_tuples)

    def work(i, args):
        try:
            slots[i] = func(*args)
        except BaseException as exc:
            slots[i] = exc

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(arg_tuples)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for slot in slots:
        if isinstance(slot, BaseException):
            raise slot
    return slots
