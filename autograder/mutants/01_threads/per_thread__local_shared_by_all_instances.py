"""The threading.local is a class attribute, so all PerThread objects share it: in a thread
that already used one PerThread, another PerThread's first get() returns the first one's
object without calling its own factory()."""

import threading


class PerThread:
    _local = threading.local()

    def __init__(self, factory):
        self._factory = factory
        self._made = []
        self._lock = threading.Lock()

    def get(self):
        if not hasattr(self._local, "obj"):
            obj = self._factory()
            self._local.obj = obj
            with self._lock:
                self._made.append(obj)
        return self._local.obj

    def created(self):
        with self._lock:
            return list(self._made)
