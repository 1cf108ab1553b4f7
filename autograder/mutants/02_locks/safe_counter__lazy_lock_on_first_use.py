"""Creates its lock on first use without any lock, so two first calls at once make two locks."""

import threading


class SafeCounter:
    def __init__(self):
        self._lock = None
        self.value = 0

    def increment(self):
        lock = self._lock
        if lock is None:
            lock = threading.Lock()
            self._lock = lock
        with lock:
            self.value += 1
