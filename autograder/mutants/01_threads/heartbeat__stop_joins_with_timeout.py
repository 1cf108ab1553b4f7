"""stop() joins with a timeout of 1 s, so it returns while a long callback still runs."""

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
        if self.ident is not None and threading.current_thread() is not self:
            self.join(timeout=1)  # "to be safe": gives up on a long callback
