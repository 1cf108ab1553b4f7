"""Polls the queue and sleeps a second when it is empty: items wait up to a second."""


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
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                time.sleep(1)  # Bug: nobody can wake this up early
                continue
            if item is self._STOP:
                break
            self._consumer.send(item)
        self._consumer.close()

    def close(self):
        self._queue.put(self._STOP)
        self.join()
