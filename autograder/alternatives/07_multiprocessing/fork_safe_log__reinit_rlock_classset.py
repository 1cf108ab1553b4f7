%%writefile my_forklog.py
"""An RLock per log, a class-level WeakSet, and a hook that re-initialises each lock in place and clears the list in place."""
import os
import threading
import weakref


class ForkSafeLog:
    """A list of entries, guarded by `lock`, emptied in a child made by os.fork()."""

    _alive = weakref.WeakSet()

    def __init__(self):
        self.lock = threading.RLock()
        self._items = []
        type(self)._alive.add(self)

    @classmethod
    def _after_fork_in_child(cls):
        for log in tuple(cls._alive):
            log.lock._at_fork_reinit()  # the same lock object, now free
            log._items.clear()  # the child's copy of the list only

    def add(self, entry):
        """Append entry while holding self.lock."""
        with self.lock:
            self._items.append(entry)

    def entries(self):
        """Return a new list of the entries, in order."""
        with self.lock:
            return self._items[:]


os.register_at_fork(after_in_child=ForkSafeLog._after_fork_in_child)
