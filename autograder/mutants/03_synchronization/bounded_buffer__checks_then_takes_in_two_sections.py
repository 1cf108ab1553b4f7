"""get() waits for an item in one critical section and takes it in another: between the
two, another consumer can take the same item, and this one pops an empty deque."""

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
            self._not_empty.notify()

    def get(self):
        with self._not_empty:
            while not self._items:
                self._not_empty.wait()
        with self._lock:  # a second critical section: the item may be gone by now
            item = self._items.popleft()
            self._not_full.notify()
            return item

    def __len__(self):
        with self._lock:
            return len(self._items)
