"""stop() does not join the thread, and is_alive() is overridden to say it has ended."""

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

    def is_alive(self):
        return not self.stopping.is_set() and super().is_alive()

    def stop(self):
        self.stopping.set()
