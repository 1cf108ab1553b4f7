"""Keeps one lock per thread (threading.local), which excludes nobody."""

import threading


class SafeCounter:
    def __init__(self):
        self._local = threading.local()
        self.value = 0

    def _lock(self):
        if not hasattr(self._local, "lock"):
            self._local.lock = threading.Lock()
        return self._local.lock

    def increment(self):
        with self._lock():
            self.value += 1
