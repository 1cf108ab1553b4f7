"""A writer waits for the readers to leave while holding the mutex they need to leave."""

import contextlib
import threading


class ReadWriteLock:
    def __init__(self):
        self._mutex = threading.Lock()
        self._readers = 0
        self._no_readers = threading.Event()
        self._no_readers.set()

    def acquire_read(self):
        with self._mutex:
            self._readers += 1
            self._no_readers.clear()

    def release_read(self):
        with self._mutex:
            self._readers -= 1
            if self._readers == 0:
                self._no_readers.set()

    def acquire_write(self):
        self._mutex.acquire()
        self._no_readers.wait()

    def release_write(self):
        self._mutex.release()

    @contextlib.contextmanager
    def reading(self):
        self.acquire_read()
        try:
            yield self
        finally:
            self.release_read()

    @contextlib.contextmanager
    def writing(self):
        self.acquire_write()
        try:
            yield self
        finally:
            self.release_write()
