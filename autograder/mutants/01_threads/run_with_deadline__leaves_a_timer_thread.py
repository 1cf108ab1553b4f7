"""Never cancels the timer; its function checks that the worker is done, so the thread lingers."""

import threading


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    outcome = {}

    def work():
        try:
            outcome["value"] = worker(cancel)
        except BaseException as exc:
            outcome["error"] = exc

    done = threading.Event()

    def fire():
        if not done.is_set():
            cancel.set()

    thread = threading.Thread(target=work)
    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    thread.start()
    timer.start()
    thread.join()
    done.set()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
