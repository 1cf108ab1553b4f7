"""Never checks whether it was stopped: after stop() it calls back in an endless loop."""

import threading


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self.stopping = threading.Event()

    def run(self):
        while True:
            self.stopping.wait(self.interval)
            self.callback()

    def stop(self):
        self.stopping.set()
        self.join()
