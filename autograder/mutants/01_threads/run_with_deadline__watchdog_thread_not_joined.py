"""Makes its deadline with a watchdog thread of its own (no Timer): it waits on a `done`
Event for `seconds` and sets cancel if the worker is not done by then. Once the worker
is done it sets `done` but never joins the watchdog, which may still be running when
run_with_deadline returns."""

import threading


def run_with_deadline(worker, seconds):
    cancel, done = threading.Event(), threading.Event()
    box = []

    def watchdog():
        if not done.wait(seconds):
            cancel.set()

    def work():
        try:
            box.append((True, worker(cancel)))
        except BaseException as exc:
            box.append((False, exc))

    threading.Thread(target=watchdog, daemon=True).start()
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    done.set()
    ok, value = box[0]
    if not ok:
        raise value
    return value
