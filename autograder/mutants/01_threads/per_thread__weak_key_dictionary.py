"""Keeps the objects in a WeakKeyDictionary keyed by the Thread (so nothing leaks), and
created() lists that dictionary: objects of threads that have ended and been collected drop out."""

import threading
import weakref


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._objs = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self):
        me = threading.current_thread()
        with self._lock:
            if me in self._objs:
                return self._objs[me]
        obj = self._factory()
        with self._lock:
            self._objs[me] = obj
        return obj

    def created(self):
        with self._lock:
            return list(self._objs.values())
