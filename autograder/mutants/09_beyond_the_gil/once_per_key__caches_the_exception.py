"""Caches the exception: after one failure, the key fails for ever without calling func."""


def once_per_key(func):
    lock = threading.Lock()
    done = {}
    running = {}

    def get(key):
        with lock:
            if key in done:
                kind, value = done[key]
                if kind == "error":
                    raise value
                return value
            event = running.get(key)
            owner = event is None
            if owner:
                event = running[key] = threading.Event()
        if not owner:
            event.wait()
            kind, value = done[key]
            if kind == "error":
                raise value
            return value
        try:
            outcome = ("ok", func(key))
        except BaseException as exc:
            outcome = ("error", exc)
        with lock:
            done[key] = outcome
            del running[key]
        event.set()
        if outcome[0] == "error":
            raise outcome[1]
        return outcome[1]

    return get
