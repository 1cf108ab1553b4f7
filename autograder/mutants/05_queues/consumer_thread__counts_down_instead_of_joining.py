"""close() waits on a Condition until run() has counted itself finished, in its finally block,
instead of joining: the thread has not ended yet when close() returns. Nothing it waits on
is an Event kept in an attribute of the thread."""


class ConsumerThread(threading.Thread):
    _STOP = object()

    def __init__(self, consumer):
        super().__init__(daemon=True)
        self._consumer = consumer
        self._queue = queue.Queue()
        self._error = None
        self._state = {"running": 1, "changed": threading.Condition()}

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
                with self._state["changed"]:
                    self._state["running"] = 0
                    self._state["changed"].notify_all()

    def close(self):
        self._queue.put(self._STOP)
        with self._state["changed"]:
            while self._state["running"]:
                self._state["changed"].wait()
        if self._error is not None:
            raise self._error
