%%writefile my_forklog.py
"""Resets every log in a child, but entries() returns the log's own list."""
import os
import threading
import weakref

_LOGS = weakref.WeakSet()


def _reset_in_child():
    for log in list(_LOGS):
        log.lock = threading.Lock()
        log._entries = []


os.register_at_fork(after_in_child=_reset_in_child)


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
            return self._entries
