"""close() queues the sentinel but returns at once, without waiting for the thread."""


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
            self._consumer.send(item)
        self._consumer.close()

    def close(self):
        # Bug: no join(), so queued items may not have been delivered yet.
        self._queue.put(self._STOP)
