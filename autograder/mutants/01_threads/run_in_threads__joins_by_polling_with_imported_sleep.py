"""Waits for each thread by polling is_alive() with a 10 ms sleep named by `from time import
sleep`, and gives up "to be safe" after 500 polls (five seconds, counted in turns rather than
read off a clock): a call that runs longer than that is not waited for."""

import threading
from time import sleep


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    results = [None] * len(arg_tuples)
    errors = {}

    def call(i, args):
        try:
            results[i] = func(*args)
        except BaseException as exc:
            errors[i] = exc

    threads = [threading.Thread(target=call, args=(i, args)) for i, args in enumerate(arg_tuples)]
    for t in threads:
        t.start()
    for t in threads:
        for _ in range(500):
            if not t.is_alive():
                break
            sleep(0.01)
    if errors:
        raise errors[min(errors)]
    return results
