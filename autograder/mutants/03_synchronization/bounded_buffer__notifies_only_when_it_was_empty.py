"""put() wakes a consumer only when the buffer was empty before it: a second put, made
before the first woken consumer ran, wakes nobody, and a second waiting consumer sleeps on."""

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
                self._not_full.wait()
            self._items.append(item)
            if len(self._items) == 1:  # "only an empty buffer has consumers waiting"
                self._not_empty.notify()

    def get(self):
        with self._not_empty:
            while not self._items:
                self._not_empty.wait()
            item = self._items.popleft()
            self._not_full.notify()
            return item

    def __len__(self):
        with self._lock:
            return len(self._items)
