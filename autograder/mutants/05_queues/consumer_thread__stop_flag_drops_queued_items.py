"""Stops on a flag instead of a sentinel, so items still queued at close() are dropped."""


class ConsumerThread(threading.Thread):
    def __init__(self, consumer):
        super().__init__(daemon=True)
        self._consumer = consumer
        self._queue = queue.Queue()
        self._stopping = threading.Event()

    def send(self, item):
        self._queue.put(item)

    def run(self):
        # Bug: the flag is checked before the queue is empty.
        while not self._stopping.is_set():
            try:
                item = self._queue.get(timeout=0.01)
            except queue.Empty:
                continue
            self._consumer.send(item)
        self._consumer.close()

    def close(self):
        self._stopping.set()
        self.join()
