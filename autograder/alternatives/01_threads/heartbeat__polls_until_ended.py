"""stop() sets an Event, then polls is_alive() until the thread has ended, instead of join()."""

import threading
import time


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self._interval = interval
        self._callback = callback
        self._halt = threading.Event()

    def run(self):
        while not self._halt.wait(self._interval):
            self._callback()

    def stop(self):
        self._halt.set()
        if threading.current_thread() is self:
            return
        while self.ident is not None and self.is_alive():
            time.sleep(0.005)
