"""created() hands out the list it keeps, so a caller who changes it changes PerThread."""

import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._mine = threading.local()
        self._made = []
        self._lock = threading.Lock()

    def get(self):
        try:
            return self._mine.obj
        except AttributeError:
            pass
        obj = self._factory()
        self._mine.obj = obj
        with self._lock:
            self._made.append(obj)
        return obj

    def created(self):
        return self._made
