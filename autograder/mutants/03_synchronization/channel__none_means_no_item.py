"""One slot where None means "no item", so send(None) is never received."""

import threading


class Channel:
    def __init__(self):
        self._cond = threading.Condition()
        self._slot = None
        self._full = False
        self._taken = False

    def send(self, item):
        with self._cond:
            while self._full:
                self._cond.wait()
            self._slot = item
            self._full = True
            self._taken = False
            self._cond.notify_all()
            while not self._taken:
                self._cond.wait()
            self._full = False
            self._cond.notify_all()

    def recv(self):
        with self._cond:
            while self._slot is None:
                self._cond.wait()
            item = self._slot
            self._slot = None
            self._taken = True
            self._cond.notify_all()
            return item
