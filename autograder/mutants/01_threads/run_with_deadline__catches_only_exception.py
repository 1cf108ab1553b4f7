"""Catches Exception only: a SystemExit ends the worker's thread silently and is lost."""

import threading


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    outcome = {}

    def work():
        try:
            outcome["value"] = worker(cancel)
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=work)
    timer = threading.Timer(seconds, cancel.set)
    thread.start()
    timer.start()
    thread.join()
    timer.cancel()
    timer.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
