"""Calls its event self._stop, hiding Thread._stop: join() raises TypeError on 3.11 and 3.12."""

import threading


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self._stop = threading.Event()

    def run(self):
        while not self._stop.wait(self.interval):
            self.callback()

    def stop(self):
        self._stop.set()
        if self.ident is not None and threading.current_thread() is not self:
            self.join()
