%%writefile my_forklog.py
"""Takes every log's lock before the fork, so no lock can be mid-use when the child is made.

The parent releases them after the fork; the child gets new locks and empty entries. A fork
waits while another thread holds a log's lock. The hooks tolerate being registered twice (the
notebook's import-then-reload does that).
"""
import os
import threading
import weakref

_LOGS = weakref.WeakSet()
# The locks each before-fork call took, for its after-fork call to release. A stack, not one
# list: the notebook imports this module and then reloads it, so the hooks are registered
# twice, and each pair of calls must release exactly what it took.
_taken = []


def _take_all():
    logs = list(_LOGS)
    for log in logs:
        log.lock.acquire()
    _taken.append(logs)


def _release_all():
    for log in reversed(_taken.pop()):
        log.lock.release()


def _fresh_in_child():
    _taken.clear()
    for log in list(_LOGS):
        log.lock = threading.RLock()
        log._entries = []


os.register_at_fork(before=_take_all, after_in_parent=_release_all, after_in_child=_fresh_in_child)


class ForkSafeLog:
    def __init__(self):
        self.lock = threading.RLock()
        self._entries = []
        _LOGS.add(self)

    def add(self, entry):
        with self.lock:
            self._entries.append(entry)

    def entries(self):
        with self.lock:
            return self._entries.copy()
