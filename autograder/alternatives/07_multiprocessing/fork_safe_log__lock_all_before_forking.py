%%writefile my_forklog.py
"""Takes every log's lock before the fork, so no lock can be mid-use when the child is made.

The parent releases them after the fork; the child gets new locks and empty entries. A fork
waits while another thread holds a log's lock.
"""
import os
import threading
import weakref

_LOGS = weakref.WeakSet()
_taken = []


def _take_all():
    _taken[:] = list(_LOGS)
    for log in _taken:
        log.lock.acquire()


def _release_all():
    for log in reversed(_taken):
        log.lock.release()
    _taken.clear()


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
