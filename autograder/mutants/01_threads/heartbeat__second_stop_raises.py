"""A second stop() raises RuntimeError("already stopped") instead of returning."""

import threading


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(self.interval):
            self.callback()

    def stop(self):
        if self.stopping.is_set():
            raise RuntimeError("already stopped")
        self.stopping.set()
        if self.ident is not None and threading.current_thread() is not self:
            self.join()
