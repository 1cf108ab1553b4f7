"""Looks the cache up with .get() and treats None as 'not cached', so a func that returns None runs again on every get."""


def once_per_key(func):
    """Return get(key): func(key) computed once per key, however many threads ask."""
    guard = threading.Lock()
    done = {}
    pending = {}

    def get(key):
        with guard:
            cached = done.get(key)
            if cached is not None:
                return cached
            entry = pending.get(key)
            mine = entry is None
            if mine:
                entry = pending[key] = {"event": threading.Event()}
        if not mine:
            entry["event"].wait()
            if "error" in entry:
                raise entry["error"]
            return entry["result"]
        try:
            result = func(key)
        except BaseException as exc:
            entry["error"] = exc
            with guard:
                del pending[key]
            entry["event"].set()
            raise
        entry["result"] = result
        with guard:
            done[key] = result
            del pending[key]
        entry["event"].set()
        return result

    return get
