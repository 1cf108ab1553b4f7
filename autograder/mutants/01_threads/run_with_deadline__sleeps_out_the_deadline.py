"""Sleeps for the whole of seconds before setting cancel, even when the worker is done."""

import threading


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    outcome = {}

    def work():
        try:
            outcome["value"] = worker(cancel)
        except BaseException as exc:
            outcome["error"] = exc

    import time

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(seconds)
    cancel.set()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
