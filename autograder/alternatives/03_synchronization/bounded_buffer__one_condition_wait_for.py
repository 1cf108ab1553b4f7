"""One Condition for both sides, wait_for with a predicate, notify_all after every change."""

import threading


class BoundedBuffer:
    def __init__(self, capacity):
        self.capacity = capacity
        self.items = []
        self.changed = threading.Condition()

    def put(self, item):
        with self.changed:
            self.changed.wait_for(lambda: len(self.items) < self.capacity)
            self.items.append(item)
            self.changed.notify_all()

    def get(self):
        with self.changed:
            self.changed.wait_for(lambda: len(self.items) > 0)
            item = self.items.pop(0)
            self.changed.notify_all()
            return item

    def __len__(self):
        with self.changed:
            return len(self.items)
