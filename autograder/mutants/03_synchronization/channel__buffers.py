"""Buffers: send() drops the item in a queue and returns at once."""

import collections
import threading


class Channel:
    def __init__(self):
        self._cond = threading.Condition()
        self._items = collections.deque()

    def send(self, item):
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def recv(self):
        with self._cond:
            while not self._items:
                self._cond.wait()
            return self._items.popleft()
