"""A dict keyed by the Thread object itself (unique while kept), guarded by a lock."""

import threading

_MISSING = object()


class PerThread:
    def __init__(self, factory):
        self.factory = factory
        self.by_thread = {}
        self.order = []
        self.guard = threading.RLock()

    def get(self):
        me = threading.current_thread()
        with self.guard:
            obj = self.by_thread.get(me, _MISSING)
        if obj is not _MISSING:
            return obj
        obj = self.factory()
        with self.guard:
            self.by_thread[me] = obj
            self.order.append(obj)
        return obj

    def created(self):
        with self.guard:
            return self.order[:]
