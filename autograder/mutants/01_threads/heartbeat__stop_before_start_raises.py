"""stop() always joins, so stop() before start() raises RuntimeError."""

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
        self.stopping.set()
        if threading.current_thread() is not self:
            self.join()
