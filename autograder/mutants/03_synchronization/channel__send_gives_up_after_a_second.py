"""send() waits at most one second for a receiver, then returns with the item still queued."""

import collections
import threading


class Channel:
    def __init__(self):
        self._cond = threading.Condition()
        self._items = collections.deque()
        self._sent = 0
        self._taken = 0

    def send(self, item):
        with self._cond:
            self._sent += 1
            ticket = self._sent
            self._items.append(item)
            self._cond.notify_all()
            while self._taken < ticket:
                if not self._cond.wait(timeout=1.0):
                    return

    def recv(self):
        with self._cond:
            while not self._items:
                self._cond.wait()
            item = self._items.popleft()
            self._taken += 1
            self._cond.notify_all()
            return item
