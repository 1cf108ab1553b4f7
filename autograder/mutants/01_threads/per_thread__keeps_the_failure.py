"""Marks the thread as served before factory() runs: when factory() raises, the thread's
later get() calls return None instead of trying again."""

import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._mine = threading.local()
        self._made = []
        self._lock = threading.Lock()

    def get(self):
        if getattr(self._mine, "served", False):
            return getattr(self._mine, "obj", None)
        self._mine.served = True
        self._mine.obj = self._factory()
        with self._lock:
            self._made.append(self._mine.obj)
        return self._mine.obj

    def created(self):
        with self._lock:
            return list(self._made)
