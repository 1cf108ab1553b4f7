"""Each pending key gets a slot whose Lock, held by the caller computing it, is the latch its waiters pass."""


class _Slot:
    def __init__(self):
        self.latch = threading.Lock()
        self.latch.acquire()  # held until the outcome is known
        self.result = None
        self.error = None


def once_per_key(func):
    """Return get(key): func(key) computed once per key, however many threads ask."""
    guard = threading.Lock()
    done = {}
    pending = {}

    def get(key):
        with guard:
            if key in done:
                return done[key]
            slot = pending.get(key)
            mine = slot is None
            if mine:
                slot = pending[key] = _Slot()
        if not mine:
            slot.latch.acquire()
            slot.latch.release()
            if slot.error is not None:
                raise slot.error
            return slot.result
        try:
            slot.result = func(key)
        except BaseException as exc:
            slot.error = exc
            with guard:
                del pending[key]
            slot.latch.release()
            raise
        with guard:
            done[key] = slot.result
            del pending[key]
        slot.latch.release()
        return slot.result

    return get
