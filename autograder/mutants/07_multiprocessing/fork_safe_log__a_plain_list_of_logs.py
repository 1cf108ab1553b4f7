%%writefile my_forklog.py
"""Keeps every log in a plain list, so no log is ever garbage-collected."""
import os
import threading

_LOGS = []


def _reset_in_child():
    for log in _LOGS:
        log.lock = threading.Lock()
        log._entries = []


os.register_at_fork(after_in_child=_reset_in_child)


class ForkSafeLog:
    def __init__(self):
        self.lock = threading.Lock()
        self._entries = []
        _LOGS.append(self)

    def add(self, entry):
        with self.lock:
            self._entries.append(entry)

    def entries(self):
        with self.lock:
            return list(self._entries)
