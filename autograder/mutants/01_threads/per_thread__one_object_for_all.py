"""Keeps one object in a plain attribute: every thread gets the first thread's object."""

import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._obj = None
        self._made = []
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if not self._made:
                self._obj = self._factory()
                self._made.append(self._obj)
            return self._obj

    def created(self):
        with self._lock:
            return list(self._made)
