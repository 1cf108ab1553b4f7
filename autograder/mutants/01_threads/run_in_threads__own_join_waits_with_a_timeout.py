"""Each call runs in a Thread subclass that keeps its result and sets an Event when it ends,
with its own join() that waits on that Event; run_in_threads joins "to be safe" with a 5 s
limit, so a call that runs longer is not waited for."""

import threading


class CallThread(threading.Thread):
    def __init__(self, func, args):
        super().__init__()
        self.func, self.args = func, args
        self.finished = threading.Event()
        self.failed, self.value = False, None

    def run(self):
        try:
            self.value = self.func(*self.args)
        except BaseException as exc:
            self.failed, self.value = True, exc
        finally:
            self.finished.set()

    def join(self, timeout=None):
        self.finished.wait(timeout)


def run_in_threads(func, arg_tuples):
    threads = [CallThread(func, args) for args in arg_tuples]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5.0)
    for t in threads:
        if t.failed:
            raise t.value
    return [t.value for t in threads]
