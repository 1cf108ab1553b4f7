"""Tests the thread's slot with `is None`: a factory that returns None is called every time."""

import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._mine = threading.local()
        self._made = []
        self._lock = threading.Lock()

    def get(self):
        obj = getattr(self._mine, "obj", None)
        if obj is None:
            obj = self._factory()
            self._mine.obj = obj
            with self._lock:
                self._made.append(obj)
        return obj

    def created(self):
        with self._lock:
            return list(self._made)
