"""Ends with Queue.shutdown() on Python 3.13+ and falls back to a sentinel on 3.11 and 3.12."""

_HAS_SHUTDOWN = hasattr(queue.Queue, "shutdown")


class ConsumerThread(threading.Thread):
    _END = object()

    def __init__(self, consumer):
        super().__init__(daemon=True)
        self.consumer = consumer
        self.q = queue.Queue()
        self.error = None

    def send(self, item):
        self.q.put(item)

    def _next(self):
        """Return the next item, or _END once the queue is shut down or the sentinel comes."""
        if _HAS_SHUTDOWN:
            try:
                return self.q.get()
            except queue.ShutDown:  # raised only after the items left have been taken
                return self._END
        return self.q.get()

    def run(self):
        item = self._next()
        while item is not self._END:
            try:
                self.consumer.send(item)
            except Exception as exc:
                self.error = exc
                break
            item = self._next()
        self.consumer.close()

    def close(self):
        if _HAS_SHUTDOWN:
            self.q.shutdown()  # not immediate: the queued items are still delivered
        else:
            self.q.put(self._END)
        self.join()
        if self.error is not None:
            raise self.error
