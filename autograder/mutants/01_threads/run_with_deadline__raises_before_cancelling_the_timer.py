"""Re-raises the worker's exception before cancelling the timer: after a worker that raised,
the timer thread is left running and sets cancel later."""

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
    timer.daemon = True
    thread.start()
    timer.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    timer.cancel()
    timer.join()
    return outcome["value"]
