"""A ring of slots where None marks a free slot, so a None item is never got."""

import threading


class BoundedBuffer:
    def __init__(self, capacity):
        self._slots = [None] * capacity
        self._head = 0
        self._tail = 0
        self._count = 0
        self._cond = threading.Condition()

    def put(self, item):
        with self._cond:
            while self._slots[self._tail] is not None or self._count == len(self._slots):
                self._cond.wait()
            self._slots[self._tail] = item
            self._tail = (self._tail + 1) % len(self._slots)
            self._count += 1
            self._cond.notify_all()

    def get(self):
        with self._cond:
            while self._slots[self._head] is None:
                self._cond.wait()
            item = self._slots[self._head]
            self._slots[self._head] = None
            self._head = (self._head + 1) % len(self._slots)
            self._count -= 1
            self._cond.notify_all()
            return item

    def __len__(self):
        with self._cond:
            return self._count
