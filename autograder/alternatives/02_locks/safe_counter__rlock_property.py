"""An RLock guards a private count; `value` is a property that reads it under the lock."""

import threading


class SafeCounter:
    def __init__(self):
        self._guard = threading.RLock()
        self._count = 0

    @property
    def value(self):
        with self._guard:
            return self._count

    def increment(self):
        with self._guard:
            with self._guard:
                self._count = self._count + 1
