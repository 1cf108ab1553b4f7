"""Try-lock with a growing sleep between tries; the count changes only while the lock is held."""

import threading
import time


class SafeCounter:
    def __init__(self):
        self.lock = threading.Lock()
        self.value = 0

    def increment(self):
        pause = 0.0001
        while not self.lock.acquire(blocking=False):
            time.sleep(pause)
            pause = min(pause * 2, 0.01)
        try:
            self.value = self.value + 1
        finally:
            self.lock.release()
