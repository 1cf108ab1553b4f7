"""Hands the consumer an envelope around each item, not the item; the envelope poses as the item."""

import queue
import threading
import time


class Envelope:
    """Carries an item and when it was queued; compares, hashes and claims a class as the item."""

    def __init__(self, item):
        self.item = item
        self.queued_at = time.monotonic()

    @property
    def __class__(self):
        return type(self.item)

    def __eq__(self, other):
        return self.item == (other.item if type(other) is Envelope else other)

    def __ne__(self, other):
        return not self == other

    def __lt__(self, other):
        return self.item < other

    def __le__(self, other):
        return self.item <= other

    def __gt__(self, other):
        return self.item > other

    def __ge__(self, other):
        return self.item >= other

    def __hash__(self):
        return hash(self.item)

    def __repr__(self):
        return repr(self.item)


class ConsumerThread(threading.Thread):
    _STOP = object()

    def __init__(self, consumer):
        super().__init__(daemon=True, name="consumer")
        self._consumer = consumer
        self._queue = queue.Queue()

    def send(self, item):
        self._queue.put(Envelope(item))

    def run(self):
        while True:
            envelope = self._queue.get()
            if envelope is self._STOP:
                break
            self._consumer.send(envelope)
        self._consumer.close()

    def close(self):
        self._queue.put(self._STOP)
        self.join()
