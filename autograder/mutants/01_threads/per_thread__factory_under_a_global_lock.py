"""Calls factory() while holding one lock for all threads: threads make their objects one
at a time, and a slow factory in one thread holds up every other thread's first get()."""

import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._mine = threading.local()
        self._made = []
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if not hasattr(self._mine, "obj"):
                self._mine.obj = self._factory()
                self._made.append(self._mine.obj)
            return self._mine.obj

    def created(self):
        with self._lock:
            return list(self._made)
