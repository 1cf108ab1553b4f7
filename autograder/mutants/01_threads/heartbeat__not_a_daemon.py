"""Works, but is not a daemon thread, so a forgotten heartbeat keeps the program alive."""

import threading


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__()
        self.interval = interval
        self.callback = callback
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(self.interval):
            self.callback()

    def stop(self):
        self.stopping.set()
        self.join()
