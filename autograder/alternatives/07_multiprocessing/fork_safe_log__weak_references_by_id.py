%%writefile my_forklog.py
"""Keeps weak references in a dict keyed by id; each one removes itself when its log dies."""
from os import register_at_fork
from threading import Lock
import weakref

_refs = {}


def _forget(key):
    return lambda ref: _refs.pop(key, None)


def _after_fork_in_child():
    for ref in list(_refs.values()):
        log = ref()
        if log is not None:
            log.lock = Lock()
            del log._items[:]


register_at_fork(after_in_child=_after_fork_in_child)


class ForkSafeLog:
    __slots__ = ("lock", "_items", "__weakref__")

    def __init__(self):
        self.lock = Lock()
        self._items = []
        _refs[id(self)] = weakref.ref(self, _forget(id(self)))

    def add(self, entry):
        self.lock.acquire()
        try:
            self._items.append(entry)
        finally:
            self.lock.release()

    def entries(self):
        with self.lock:
            return [item for item in self._items]
