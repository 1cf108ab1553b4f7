"""Creates a new lock in every call, so no two threads ever contend for the same lock."""

import threading


class SafeCounter:
    def __init__(self):
        self.value = 0

    def increment(self):
        with threading.Lock():
            self.value += 1
