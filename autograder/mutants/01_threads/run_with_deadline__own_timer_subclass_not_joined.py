"""Makes its deadline with a Timer subclass of its own (one that names its thread), and
cancels it once the worker is done without joining it: the timer's thread may still be
running when run_with_deadline returns."""

import threading


class DeadlineTimer(threading.Timer):
    def __init__(self, seconds, cancel):
        super().__init__(seconds, cancel.set)
        self.name = f"deadline-{seconds:g}s"
        self.daemon = True


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    box = []

    def work():
        try:
            box.append((True, worker(cancel)))
        except BaseException as exc:
            box.append((False, exc))

    timer = DeadlineTimer(seconds, cancel)
    timer.start()
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    timer.cancel()
    ok, value = box[0]
    if not ok:
        raise value
    return value
