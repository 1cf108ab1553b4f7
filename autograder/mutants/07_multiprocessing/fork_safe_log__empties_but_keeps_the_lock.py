%%writefile my_forklog.py
"""Empties every log in the child, but keeps the lock that another thread may have held."""
import os
import threading
import weakref

_LOGS = weakref.WeakSet()


def _empty_in_child():
    for log in list(_LOGS):
        log._entries = []


os.register_at_fork(after_in_child=_empty_in_child)


class ForkSafeLog:
    def __init__(self):
        self.lock = threading.Lock()
        self._entries = []
        _LOGS.add(self)

    def add(self, entry):
        with self.lock:
            self._entries.append(entry)

    def entries(self):
        with self.lock:
            return list(self._entries)
