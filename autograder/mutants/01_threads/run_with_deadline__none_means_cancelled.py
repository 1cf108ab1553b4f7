"""Takes a None result for a cancelled worker and raises TimeoutError."""

import threading


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    outcome = [None, None]

    def work():
        try:
            outcome[0] = worker(cancel)
        except BaseException as exc:
            outcome[1] = exc

    thread = threading.Thread(target=work)
    timer = threading.Timer(seconds, cancel.set)
    thread.start()
    timer.start()
    thread.join()
    timer.cancel()
    timer.join()
    if outcome[1] is not None:
        raise outcome[1]
    if outcome[0] is None:
        raise TimeoutError("the worker was cancelled")
    return outcome[0]
