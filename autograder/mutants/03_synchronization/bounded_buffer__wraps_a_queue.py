"""Wraps queue.Queue instead of building the buffer."""

import queue


class BoundedBuffer:
    def __init__(self, capacity):
        self._queue = queue.Queue(capacity)

    def put(self, item):
        self._queue.put(item)

    def get(self):
        return self._queue.get()

    def __len__(self):
        return self._queue.qsize()
