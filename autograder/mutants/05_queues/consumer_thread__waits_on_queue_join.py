"""close() waits with Queue.join(), which returns before consumer.close() has finished."""


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
                self._queue.task_done()
                self._consumer.close()
                return
            self._consumer.send(item)
            self._queue.task_done()

    def close(self):
        self._queue.put(self._STOP)
        # Bug: every item is done, but the thread (and consumer.close) may still be running.
        self._queue.join()
