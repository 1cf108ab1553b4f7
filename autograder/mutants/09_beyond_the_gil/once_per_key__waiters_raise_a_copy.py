"""Waiters raise a new exception of the same type and arguments, not the same exception object the call raised."""


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
            entry["event"].wait()
            if "error" in entry:
                err = entry["error"]
                raise type(err)(*err.args)  # a fresh one per thread, tracebacks do not mix
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
