%%writefile my_forklog.py
"""Registers a hook for each log: the hooks pile up, and each keeps its log alive."""
import os
import threading


class ForkSafeLog:
    def __init__(self):
        self.lock = threading.Lock()
        self._entries = []
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self):
        self.lock = threading.Lock()
        self._entries = []

    def add(self, entry):
        with self.lock:
            self._entries.append(entry)

    def entries(self):
        with self.lock:
            return list(self._entries)
