"""Polls: put() and get() retry every millisecond instead of waiting to be woken."""

import collections
import threading
import time


class BoundedBuffer:
    def __init__(self, capacity):
        self._capacity = capacity
        self._items = collections.deque()
        self._lock = threading.Lock()

    def put(self, item):
        while True:
            with self._lock:
                if len(self._items) < self._capacity:
                    self._items.append(item)
                    return
            time.sleep(0.001)

    def get(self):
        while True:
            with self._lock:
                if self._items:
                    return self._items.popleft()
            time.sleep(0.001)

    def __len__(self):
        with self._lock:
            return len(self._items)
