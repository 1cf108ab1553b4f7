%%writefile my_forklog.py
"""Tracks a log in the WeakSet only once it has entries (first add): an empty log whose lock a thread holds at the fork keeps it held in the child."""
import os
import threading
import weakref

_LOGS = weakref.WeakSet()  # the logs that have something to forget in a child


def _reset_in_child():
    for log in list(_LOGS):
        log.lock = threading.Lock()
        log._entries = []


os.register_at_fork(after_in_child=_reset_in_child)


class ForkSafeLog:
    """A list of entries, guarded by `lock`, emptied in a child made by os.fork()."""

    def __init__(self):
        self.lock = threading.Lock()
        self._entries = []

    def add(self, entry):
        """Append entry while holding self.lock."""
        with self.lock:
            if not self._entries:
                _LOGS.add(self)
            self._entries.append(entry)

    def entries(self):
        """Return a new list of the entries, in order."""
        with self.lock:
            return list(self._entries)
