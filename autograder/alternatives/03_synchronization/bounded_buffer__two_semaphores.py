"""Two counting semaphores (free slots, filled slots) and a mutex around the deque."""

import collections
import threading


class BoundedBuffer:
    def __init__(self, capacity):
        self._items = collections.deque()
        self._mutex = threading.Lock()
        self._free = threading.Semaphore(capacity)
        self._filled = threading.Semaphore(0)

    def put(self, item):
        self._free.acquire()
        with self._mutex:
            self._items.append(item)
        self._filled.release()

    def get(self):
        self._filled.acquire()
        with self._mutex:
            item = self._items.popleft()
        self._free.release()
        return item

    def __len__(self):
        with self._mutex:
            return len(self._items)
