"""Waits at most one second for the lock, then increments without it."""

import threading


class SafeCounter:
    def __init__(self):
        self._lock = threading.Lock()
        self.value = 0

    def increment(self):
        got = self._lock.acquire(timeout=1.0)
        try:
            self.value += 1
        finally:
            if got:
                self._lock.release()
