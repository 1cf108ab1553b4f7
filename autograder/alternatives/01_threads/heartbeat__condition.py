"""Waits on a Condition with a timeout and a stopped flag, instead of an Event."""

import threading


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self.cond = threading.Condition()
        self.stopped = False

    def run(self):
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.stopped, timeout=self.interval)
                if self.stopped:
                    return
            self.callback()  # outside the lock, so stop() is never kept waiting for it

    def stop(self):
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        if threading.current_thread() is self:
            return
        try:
            self.join()
        except RuntimeError:  # never started: there is no thread to wait for
            pass
