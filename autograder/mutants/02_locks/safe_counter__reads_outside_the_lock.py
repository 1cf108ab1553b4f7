"""Reads the count before taking the lock and locks only the write."""

import threading


class SafeCounter:
    def __init__(self):
        self._lock = threading.Lock()
        self._value = 0

    @property
    def value(self):
        with self._lock:
            return self._value

    def increment(self):
        current = self._value
        with self._lock:
            self._value = current + 1
