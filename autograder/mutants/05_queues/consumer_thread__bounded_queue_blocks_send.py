"""Uses a Queue(maxsize=1): send() waits whenever the consumer is busy with an earlier item."""


class ConsumerThread(threading.Thread):
    _STOP = object()

    def __init__(self, consumer):
        super().__init__(daemon=True)
        self._consumer = consumer
        self._queue = queue.Queue(maxsize=1)  # Bug: a full queue makes send() block
        self._error = None

    def send(self, item):
        self._queue.put(item)

    def run(self):
        try:
            while (item := self._queue.get()) is not self._STOP:
                self._consumer.send(item)
        except Exception as exc:
            self._error = exc
        finally:
            self._consumer.close()

    def close(self):
        self._queue.put(self._STOP)
        self.join()
        if self._error is not None:
            raise self._error
