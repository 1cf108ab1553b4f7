"""Reads the count under the lock but writes the new count after releasing it."""

import threading


class SafeCounter:
    def __init__(self):
        self._lock = threading.Lock()
        self.value = 0

    def increment(self):
        with self._lock:
            current = self.value
        self.value = current + 1
