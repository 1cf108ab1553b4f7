"""Lets an exception from consumer.send end the thread: the consumer is never closed, close() returns normally."""


class ConsumerThread(threading.Thread):
    _STOP = object()

    def __init__(self, consumer):
        super().__init__(daemon=True)
        self._consumer = consumer
        self._queue = queue.Queue()

    def send(self, item):
        self._queue.put(item)

    def run(self):
        while True:
            item = self._queue.get()
            if item is self._STOP:
                break
            self._consumer.send(item)  # Bug: an exception here ends run() at once
        self._consumer.close()

    def close(self):
        self._queue.put(self._STOP)
        self.join()
