"""Makes its deadline with a Timer subclass whose own run() waits on the timer's `finished`
Event (so Timer.run never runs), and cancels it once the worker is done without joining
it: the timer's thread may still be running when run_with_deadline returns."""

import threading


class DeadlineTimer(threading.Timer):
    def run(self):
        if not self.finished.wait(self.interval):
            self.function(*self.args, **self.kwargs)
        self.finished.set()


def run_with_deadline(worker, seconds):
    cancel = threading.Event()
    box = []

    def work():
        try:
            box.append((True, worker(cancel)))
        except BaseException as exc:
            box.append((False, exc))

    timer = DeadlineTimer(seconds, cancel.set)
    timer.start()
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    timer.cancel()
    ok, value = box[0]
    if not ok:
        raise value
    return value
