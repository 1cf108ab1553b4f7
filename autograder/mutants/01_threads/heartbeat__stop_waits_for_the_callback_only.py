"""stop() waits only until no callback is running (by taking the lock each callback runs
under), not for the thread to end: the thread may still be alive when stop() returns."""

import threading


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self.stopping = threading.Event()
        self.busy = threading.Lock()

    def run(self):
        while not self.stopping.wait(self.interval):
            with self.busy:
                if self.stopping.is_set():
                    break
                self.callback()

    def stop(self):
        self.stopping.set()
        if threading.current_thread() is self:
            return
        with self.busy:  # a running callback finishes first; none starts after this
            pass
