"""One Condition with wait_for predicates; context managers are generator functions."""

import contextlib
import threading


class ReadWriteLock:
    def __init__(self):
        self.state = threading.Condition()
        self.active = 0  # readers inside, or -1 while a writer is inside
        self.queued_writers = 0

    def acquire_read(self):
        with self.state:
            self.state.wait_for(lambda: self.active >= 0 and self.queued_writers == 0)
            self.active += 1

    def release_read(self):
        with self.state:
            self.active -= 1
            self.state.notify_all()

    def acquire_write(self):
        with self.state:
            self.queued_writers += 1
            self.state.wait_for(lambda: self.active == 0)
            self.queued_writers -= 1
            self.active = -1

    def release_write(self):
        with self.state:
            self.active = 0
            self.state.notify_all()

    @contextlib.contextmanager
    def reading(self):
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()

    @contextlib.contextmanager
    def writing(self):
        self.acquire_write()
        try:
            yield
        finally:
            self.release_write()
