"""A threading.local subclass whose slots start empty in every thread; a flag, not the
object's truth value, says whether this thread has made its object."""

import threading


class _Slot(threading.local):
    def __init__(self):
        self.ready = False
        self.obj = None


class PerThread:
    def __init__(self, factory):
        self._factory = factory
        self._slot = _Slot()
        self._made = []
        self._made_lock = threading.Lock()

    def get(self):
        slot = self._slot
        if not slot.ready:
            obj = self._factory()
            slot.obj, slot.ready = obj, True
            with self._made_lock:
                self._made.append(obj)
        return slot.obj

    def created(self):
        with self._made_lock:
            return [*self._made]
