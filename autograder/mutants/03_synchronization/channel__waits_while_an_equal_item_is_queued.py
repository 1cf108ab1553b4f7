"""send() waits "while my item is still in the buffer", tested with `in` (equality): when
another sender has queued an equal item (two senders both sending 0, or None), a sender
whose own item was taken keeps blocking until the other one's is taken too."""

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
            while item in self._items:  # not taken yet
                self._cond.wait()

    def recv(self):
        with self._cond:
            while not self._items:
                self._cond.wait()
            item = self._items.popleft()
            self._cond.notify_all()
            return item
