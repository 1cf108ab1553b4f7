"""Is a plain mutex: readers exclude each other too."""

import contextlib
import threading


class ReadWriteLock:
    def __init__(self):
        self._lock = threading.Lock()

    def acquire_read(self):
        self._lock.acquire()

    def release_read(self):
        self._lock.release()

    def acquire_write(self):
        self._lock.acquire()

    def release_write(self):
        self._lock.release()

    @contextlib.contextmanager
    def reading(self):
        with self._lock:
            yield self

    @contextlib.contextmanager
    def writing(self):
        with self._lock:
            yield self
