"""stop() sets the event but does not join, so a running callback outlives stop()."""

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
