"""Uses the string "__STOP__" as the sentinel and recognises it with ==: a caller that sends
that very string, or an item that says it equals every string, stops the thread, and the items
queued after it are never delivered."""


class ConsumerThread(threading.Thread):
    STOP = "__STOP__"

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
                if item == self.STOP:
                    break
                self._consumer.send(item)
        except Exception as exc:
            self._error = exc
        finally:
            self._consumer.close()

    def close(self):
        self._queue.put(self.STOP)
        self.join()
        if self._error is not None:
            raise self._error
