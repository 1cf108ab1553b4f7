"""close() waits on an Event that run() sets in its finally block, instead of joining: the
thread has not ended yet when close() returns."""


class ConsumerThread(threading.Thread):
    _STOP = object()

    def __init__(self, consumer):
        super().__init__(daemon=True)
        self._consumer = consumer
        self._queue = queue.Queue()
        self._error = None
        self._finished = threading.Event()

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
            try:
                self._consumer.close()
            finally:
                self._finished.set()

    def close(self):
        self._queue.put(self._STOP)
        self._finished.wait()
        if self._error is not None:
            raise self._error
