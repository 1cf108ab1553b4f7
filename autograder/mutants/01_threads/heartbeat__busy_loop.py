"""Calls back in a tight loop, checking the clock instead of waiting."""

import threading
import time


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self.stopping = threading.Event()

    def run(self):
        last = time.monotonic()
        while not self.stopping.is_set():
            # Bug: `>=` against the start time, never updated, fires on every pass.
            if time.monotonic() - last >= 0:
                self.callback()

    def stop(self):
        self.stopping.set()
        self.join()
