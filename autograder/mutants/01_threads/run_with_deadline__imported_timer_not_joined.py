"""Names the Timer with `from threading import Timer`, and cancels it once the worker is
done without joining it: the timer's thread may still be running when run_with_deadline
returns."""

import threading
from threading import Timer


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    box = []

    def work():
        try:
            box.append((True, worker(cancel)))
        except BaseException as exc:
            box.append((False, exc))

    timer = Timer(seconds, cancel.set)
    timer.start()
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    timer.cancel()
    ok, value = box[0]
    if not ok:
        raise value
    return value
