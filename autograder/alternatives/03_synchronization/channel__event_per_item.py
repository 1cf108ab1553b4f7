"""Each send queues (item, Event) and waits on its own Event; recv sets it."""

import collections
import threading


class Channel:
    def __init__(self):
        self._pending = collections.deque()
        self._ready = threading.Condition()

    def send(self, item):
        taken = threading.Event()
        with self._ready:
            self._pending.append((item, taken))
            self._ready.notify()
        taken.wait()

    def recv(self):
        with self._ready:
            while not self._pending:
                self._ready.wait()
            item, taken = self._pending.popleft()
        taken.set()
        return item
