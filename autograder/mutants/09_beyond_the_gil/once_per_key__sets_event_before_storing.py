"""The caller that ran func sets the Event, then stores the result; a waiter woken in between reads the table too early (KeyError)."""


def once_per_key(func):
    """Return get(key): func(key) computed once per key, however many threads ask."""
    guard = threading.Lock()
    done = {}
    failed = {}
    pending = {}

    def get(key):
        with guard:
            if key in done:
                return done[key]
            event = pending.get(key)
            mine = event is None
            if mine:
                event = pending[key] = threading.Event()
        if not mine:
            event.wait()
            with guard:
                if event in failed:
                    raise failed[event]
                return done[key]
        try:
            result = func(key)
        except BaseException as exc:
            with guard:
                failed[event] = exc
                del pending[key]
            event.set()
            raise
        event.set()
        with guard:
            done[key] = result
            del pending[key]
        return result

    return get
