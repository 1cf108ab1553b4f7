"""Gives the worker one second after cancel, then returns without it."""

import threading


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    outcome = {}

    def work():
        try:
            outcome["value"] = worker(cancel)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    timer = threading.Timer(seconds, cancel.set)
    thread.start()
    timer.start()
    thread.join(seconds + 1)  # a thread that ignores cancel is given up on
    timer.cancel()
    timer.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
