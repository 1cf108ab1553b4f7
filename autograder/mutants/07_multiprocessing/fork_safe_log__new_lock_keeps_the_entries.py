%%writefile my_forklog.py
"""Gives every log a new lock in the child, but the child keeps the parent's entries."""
import os
import threading
import weakref

_LOGS = weakref.WeakSet()


def _new_locks_in_child():
    for log in list(_LOGS):
        log.lock = threading.Lock()


os.register_at_fork(after_in_child=_new_locks_in_child)


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
