"""Handles only Exception; a func raising a BaseException (KeyboardInterrupt, SystemExit, ...) leaves its waiters waiting forever and the key stuck."""


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
                raise entry["error"]
            return entry["result"]
        try:
            result = func(key)
        except Exception as exc:
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
