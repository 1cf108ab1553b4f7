"""Shares one condition between producers and consumers but wakes only one waiter."""

import collections
import threading


class BoundedBuffer:
    def __init__(self, capacity):
        self._capacity = capacity
        self._items = collections.deque()
        self._changed = threading.Condition()

    def put(self, item):
        with self._changed:
            while len(self._items) >= self._capacity:
                self._changed.wait()
            self._items.append(item)
            self._changed.notify()

    def get(self):
        with self._changed:
            while not self._items:
                self._changed.wait()
            item = self._items.popleft()
            self._changed.notify()
            return item

    def __len__(self):
        with self._changed:
            return len(self._items)
