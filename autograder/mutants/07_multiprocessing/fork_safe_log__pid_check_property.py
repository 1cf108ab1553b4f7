%%writefile my_forklog.py
"""No fork hook: lock and entries are properties that notice a changed os.getpid() and reset themselves."""
import os
import threading
import weakref




class ForkSafeLog:
    """A list of entries, guarded by `lock`, emptied in a child made by os.fork()."""

    def __init__(self):
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._entries = []

    def _check_fork(self):
        if self._pid != os.getpid():  # we are a forked copy: start afresh
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._entries = []

    @property
    def lock(self):
        self._check_fork()
        return self._lock

    def add(self, entry):
        """Append entry while holding self.lock."""
        with self.lock:
            self._entries.append(entry)

    def entries(self):
        """Return a new list of the entries, in order."""
        with self.lock:
            return list(self._entries)

