"""Uses None as the sentinel: a None sent by a caller stops the thread, and later items are lost."""


class ConsumerThread(threading.Thread):
    def __init__(self, consumer):
        super().__init__(daemon=True)
        self._consumer = consumer
        self._queue = queue.Queue()
        self._error = None

    def send(self, item):
        self._queue.put(item)

    def run(self):
        try:
            # Bug: None is an item like any other, so it can't mean "no more items".
            while (item := self._queue.get()) is not None:
                self._consumer.send(item)
        except Exception as exc:
            self._error = exc
        finally:
            self._consumer.close()

    def close(self):
        self._queue.put(None)
        self.join()
        if self._error is not None:
            raise self._error
