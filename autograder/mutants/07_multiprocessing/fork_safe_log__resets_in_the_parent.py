%%writefile my_forklog.py
"""Registers the reset with after_in_parent: the parent loses its logs, the child keeps them."""
import os
import threading
import weakref

_LOGS = weakref.WeakSet()


def _reset():
    for log in list(_LOGS):
        log.lock = threading.Lock()
        log._entries = []


os.register_at_fork(after_in_parent=_reset)


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
