"""Lets send() return as soon as any item is taken, not necessarily its own."""

import collections
import threading


class Channel:
    def __init__(self):
        self._cond = threading.Condition()
        self._items = collections.deque()
        self._taken = 0

    def send(self, item):
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()
            seen = self._taken
            while self._taken == seen:
                self._cond.wait()

    def recv(self):
        with self._cond:
            while not self._items:
                self._cond.wait()
            item = self._items.popleft()
            self._taken += 1
            self._cond.notify_all()
            return item
