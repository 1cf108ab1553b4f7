"""Passes a target function to Thread.__init__ and loops with iter(get, sentinel); a class is the sentinel."""


class _NoMoreItems:
    """The sentinel: a private class, never an object a caller could hold."""


class ConsumerThread(threading.Thread):
    def __init__(self, consumer):
        self._inbox = queue.Queue()
        self._failure = []
        super().__init__(target=self._pump, args=(consumer,), daemon=True)

    def _pump(self, consumer):
        try:
            for item in iter(self._inbox.get, _NoMoreItems):
                consumer.send(item)
        except Exception as exc:
            self._failure.append(exc)
        consumer.close()

    def send(self, item):
        self._inbox.put(item)

    def close(self):
        self._inbox.put(_NoMoreItems)
        self.join()
        if self._failure:
            raise self._failure[0]
