"""Sleeps with time.sleep(interval), so stop() has to wait out the whole interval."""

import threading
import time


class Heartbeat(threading.Thread):
    def __init__(self, interval, callback):
        super().__init__(daemon=True)
        self.interval = interval
        self.callback = callback
        self.running = True

    def run(self):
        while self.running:
            time.sleep(self.interval)
            if self.running:
                self.callback()

    def stop(self):
        self.running = False
        self.join()
