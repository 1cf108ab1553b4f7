"""Cancels the timer once the worker is done but does not join it: the timer thread may
still be running when run_with_deadline returns."""

import threading


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    outcome = {}

    def work():
        try:
            outcome["value"] = worker(cancel)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=work)
    timer = threading.Timer(seconds, cancel.set)
    thread.start()
    timer.start()
    thread.join()
    timer.cancel()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
