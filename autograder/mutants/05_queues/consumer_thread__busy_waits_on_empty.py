"""Spins on empty() under an extra lock, like the old tutorial: correct, but burns a core."""


class ConsumerThread(threading.Thread):
    _STOP = object()

    def __init__(self, consumer):
        super().__init__(daemon=True)
        self._consumer = consumer
        self._queue = queue.Queue()
        self._lock = threading.Lock()

    def send(self, item):
        self._queue.put(item)

    def run(self):
        while True:
            # Bug: a busy loop. The queue has its own lock; this one adds nothing.
            with self._lock:
                if self._queue.empty():
                    continue
                item = self._queue.get()
            if item is self._STOP:
                break
            self._consumer.send(item)
        self._consumer.close()

    def close(self):
        self._queue.put(self._STOP)
        self.join()
