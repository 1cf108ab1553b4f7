"""Never blocks in put(): the buffer grows without bound."""

import collections
import threading


class BoundedBuffer:
    def __init__(self, capacity):
        self._capacity = capacity
        self._items = collections.deque()
        self._not_empty = threading.Condition()

    def put(self, item):
        with self._not_empty:
            self._items.append(item)
            self._not_empty.notify()

    def get(self):
        with self._not_empty:
            while not self._items:
                self._not_empty.wait()
            return self._items.popleft()

    def __len__(self):
        with self._not_empty:
            return len(self._items)
