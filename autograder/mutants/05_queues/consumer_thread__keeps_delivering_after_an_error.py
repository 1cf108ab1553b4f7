"""Remembers the first error from consumer.send but goes on delivering the later items."""


class ConsumerThread(threading.Thread):
    _STOP = object()

    def __init__(self, consumer):
        super().__init__(daemon=True)
        self._consumer = consumer
        self._queue = queue.Queue()
        self._error = None

    def send(self, item):
        self._queue.put(item)

    def run(self):
        while (item := self._queue.get()) is not self._STOP:
            try:
                self._consumer.send(item)
            except Exception as exc:  # Bug: the next items are still delivered
                if self._error is None:
                    self._error = exc
        self._consumer.close()

    def close(self):
        self._queue.put(self._STOP)
        self.join()
        if self._error is not None:
            raise self._error
