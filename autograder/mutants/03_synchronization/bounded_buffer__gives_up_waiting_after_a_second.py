"""Waits at most one second for room or for an item, then goes ahead anyway."""

import collections
import threading


class BoundedBuffer:
    def __init__(self, capacity):
        self._capacity = capacity
        self._items = collections.deque()
        self._lock = threading.Lock()
        self._not_full = threading.Condition(self._lock)
        self._not_empty = threading.Condition(self._lock)

    def put(self, item):
        with self._not_full:
            while len(self._items) >= self._capacity:
                if not self._not_full.wait(timeout=1.0):
                    break
            self._items.append(item)
            self._not_empty.notify()

    def get(self):
        with self._not_empty:
            while not self._items:
                if not self._not_empty.wait(timeout=1.0):
                    break
            item = self._items.popleft() if self._items else None
            self._not_full.notify()
            return item

    def __len__(self):
        with self._lock:
            return len(self._items)
