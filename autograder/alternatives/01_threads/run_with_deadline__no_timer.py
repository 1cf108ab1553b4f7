"""Waits for the worker with a timeout in the caller itself, so there is no timer thread."""

import threading


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    done = threading.Event()
    box = {}

    def work():
        try:
            box["result"] = worker(cancel)
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=work)
    thread.start()
    if not done.wait(seconds):
        cancel.set()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]
