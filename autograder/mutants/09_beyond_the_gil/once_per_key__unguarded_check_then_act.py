"""Registers the pending call with an unguarded 'if key not in pending: pending[key] = ...', so two callers can both see it missing and both call func."""


def once_per_key(func):
    """Return get(key): func(key) computed once per key, however many threads ask."""
    done = {}
    pending = {}

    def get(key):
        if key in done:
            return done[key]
        if key in pending:
            entry = pending[key]
            entry["event"].wait()
            if "error" in entry:
                raise entry["error"]
            return entry["result"]
        entry = {"event": threading.Event()}
        pending[key] = entry
        try:
            result = func(key)
        except BaseException as exc:
            entry["error"] = exc
            pending.pop(key, None)
            entry["event"].set()
            raise
        entry["result"] = result
        done[key] = result
        pending.pop(key, None)
        entry["event"].set()
        return result

    return get
