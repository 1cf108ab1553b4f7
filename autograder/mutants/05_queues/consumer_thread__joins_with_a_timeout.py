"""close() joins the thread with a 3 s timeout "so that it can't hang": with a consumer that
takes longer than that, close() returns while items are still being delivered."""


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
        try:
            while True:
                item = self._queue.get()
                if item is self._STOP:
                    break
                self._consumer.send(item)
        except Exception as exc:
            self._error = exc
        finally:
            self._consumer.close()

    def close(self):
        self._queue.put(self._STOP)
        self.join(timeout=3.0)
        if self._error is not None:
            raise self._error
