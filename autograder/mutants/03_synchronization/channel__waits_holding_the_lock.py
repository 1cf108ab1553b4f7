"""A sender waits for its receiver while holding the lock the receiver needs."""

import threading


class Channel:
    def __init__(self):
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._taken = threading.Event()
        self._item = None

    def send(self, item):
        with self._lock:
            self._item = item
            self._ready.set()
            self._taken.wait()
            self._taken.clear()

    def recv(self):
        self._ready.wait()
        with self._lock:
            self._ready.clear()
            item = self._item
            self._taken.set()
            return item
