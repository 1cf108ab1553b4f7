import contextlib
import threading


class ReadWriteLock:
    """Writer priority from semaphores and two "lightswitches" (The Little Book of
    Semaphores, 4.2.6): the first reader in locks writers out and the last reader out
    lets them in; the first writer to arrive locks new readers out and the last writer
    to leave lets them in again."""

    def __init__(self):
        self._readers_may_enter = threading.Semaphore(1)
        self._room_empty = threading.Semaphore(1)
        self._reader_count_lock = threading.Lock()
        self._writer_count_lock = threading.Lock()
        self._readers = 0
        self._writers = 0

    def acquire_read(self):
        with self._readers_may_enter:
            with self._reader_count_lock:
                self._readers += 1
                if self._readers == 1:
                    self._room_empty.acquire()

    def release_read(self):
        with self._reader_count_lock:
            self._readers -= 1
            if self._readers == 0:
                self._room_empty.release()

    def acquire_write(self):
        with self._writer_count_lock:
            self._writers += 1
            if self._writers == 1:
                self._readers_may_enter.acquire()
        self._room_empty.acquire()

    def release_write(self):
        self._room_empty.release()
        with self._writer_count_lock:
            self._writers -= 1
            if self._writers == 0:
                self._readers_may_enter.release()

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
