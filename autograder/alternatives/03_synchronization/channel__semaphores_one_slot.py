"""One slot: senders take turns on a lock; two semaphores hand the item over and back."""

import threading


class Channel:
    def __init__(self):
        self._senders = threading.Lock()
        self._full = threading.Semaphore(0)
        self._taken = threading.Semaphore(0)
        self._slot = None

    def send(self, item):
        with self._senders:
            self._slot = item
            self._full.release()
            self._taken.acquire()

    def recv(self):
        self._full.acquire()
        item = self._slot
        self._slot = None
        self._taken.release()
        return item
