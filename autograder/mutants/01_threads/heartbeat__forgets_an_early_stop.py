"""run() clears the event when it starts, so a stop() made before start() is forgotten."""

import threading


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self.stopping = threading.Event()

    def run(self):
        self.stopping.clear()  # "fresh start"
        while not self.stopping.wait(self.interval):
            self.callback()

    def stop(self):
        self.stopping.set()
        if self.ident is not None and threading.current_thread() is not self:
            self.join()
