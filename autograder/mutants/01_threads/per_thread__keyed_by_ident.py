"""Keys the objects by threading.get_ident(): a new thread that inherits an ended thread's
ident gets that thread's object."""

import threading


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._by_ident = {}
        self._made = []
        self._lock = threading.Lock()

    def get(self):
        me = threading.get_ident()
        with self._lock:
            if me in self._by_ident:
                return self._by_ident[me]
        obj = self._factory()
        with self._lock:
            self._by_ident[me] = obj
            self._made.append(obj)
        return obj

    def created(self):
        with self._lock:
            return list(self._made)
