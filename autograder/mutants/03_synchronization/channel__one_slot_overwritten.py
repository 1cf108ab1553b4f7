"""Keeps one slot that a second sender overwrites before the first item is taken."""

import threading


class Channel:
    def __init__(self):
        self._cond = threading.Condition()
        self._item = None
        self._full = False

    def send(self, item):
        with self._cond:
            self._item = item
            self._full = True
            self._cond.notify_all()
            while self._full:
                self._cond.wait()

    def recv(self):
        with self._cond:
            while not self._full:
                self._cond.wait()
            self._full = False
            self._cond.notify_all()
            return self._item
