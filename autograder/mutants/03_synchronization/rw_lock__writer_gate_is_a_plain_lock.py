import contextlib
import threading


class ReadWriteLock:
    """Writer priority through a gate: a writer holds a plain Lock from the moment it
    arrives until it leaves, and readers pass through the gate on their way in. The bug:
    a Lock promises no order, so when one writer leaves while another waits for the
    gate, a reader that has just arrived can take the gate first and go in ahead."""

    def __init__(self):
        self._gate = threading.Lock()
        self._cond = threading.Condition()
        self._readers = 0

    def acquire_read(self):
        with self._gate:
            with self._cond:
                self._readers += 1

    def release_read(self):
        with self._cond:
            self._readers -= 1
            if self._readers == 0:
                self._cond.notify_all()

    def acquire_write(self):
        self._gate.acquire()
        with self._cond:
            while self._readers:
                self._cond.wait()

    def release_write(self):
        self._gate.release()

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
