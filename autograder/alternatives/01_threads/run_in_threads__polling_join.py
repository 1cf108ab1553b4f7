"""Joins each thread in short slices until it has ended (`while t.is_alive(): t.join(0.1)`),
so a Ctrl-C can get through; it still waits for every call, however long it takes."""

import threading


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    slots = [None] * len(arg_tuples)

    def work(i, args):
        try:
            slots[i] = (False, func(*args))
        except BaseException as exc:
            slots[i] = (True, exc)

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(arg_tuples)]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.1)
    for raised, value in slots:
        if raised:
            raise value
    return [value for _, value in slots]
