"""Closes the consumer in the thread and again in close(): consumer.close() runs twice."""


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
                self._consumer.close()
                return
            self._consumer.send(item)

    def close(self):
        self._queue.put(self._STOP)
        self.join()
        self._consumer.close()  # Bug: run() already did this
