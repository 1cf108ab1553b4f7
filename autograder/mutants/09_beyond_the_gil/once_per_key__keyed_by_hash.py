"""Files results under hash(key), not key: two different keys with one hash (-1 and -2 in CPython) share one result."""


def once_per_key(func):
    """Return get(key): func(key) computed once per key, however many threads ask."""
    guard = threading.Lock()
    done = {}
    pending = {}

    def get(key):
        slot = hash(key)
        with guard:
            if slot in done:
                return done[slot]
            entry = pending.get(slot)
            mine = entry is None
            if mine:
                entry = pending[slot] = {"event": threading.Event()}
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
                del pending[slot]
            entry["event"].set()
            raise
        entry["result"] = result
        with guard:
            done[slot] = result
            del pending[slot]
        entry["event"].set()
        return result

    return get
