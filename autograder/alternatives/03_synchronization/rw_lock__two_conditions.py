"""Two Conditions on one lock: readers wait on one, writers on the other; writers go first."""

import threading


class ReadWriteLock:
    def __init__(self):
        lock = threading.Lock()
        self._can_read = threading.Condition(lock)
        self._can_write = threading.Condition(lock)
        self._lock = lock
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    def acquire_read(self):
        with self._lock:
            while self._writer or self._waiting_writers > 0:
                self._can_read.wait()
            self._readers += 1

    def release_read(self):
        with self._lock:
            self._readers -= 1
            if self._readers == 0:
                self._can_write.notify()

    def acquire_write(self):
        with self._lock:
            self._waiting_writers += 1
            while self._writer or self._readers > 0:
                self._can_write.wait()
            self._waiting_writers -= 1
            self._writer = True

    def release_write(self):
        with self._lock:
            self._writer = False
            if self._waiting_writers:
                self._can_write.notify()
            else:
                self._can_read.notify_all()

    def reading(self):
        return _Held(self.acquire_read, self.release_read)

    def writing(self):
        return _Held(self.acquire_write, self.release_write)


class _Held:
    def __init__(self, acquire, release):
        self._acquire, self._release = acquire, release

    def __enter__(self):
        self._acquire()
        return self

    def __exit__(self, *exc):
        self._release()
        return False
