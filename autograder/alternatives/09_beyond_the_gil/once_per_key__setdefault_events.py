"""No lock of its own: dict.setdefault elects the one caller per round; an Event and a small record carry the outcome."""


def once_per_key(func):
    """Return get(key): func(key) computed once per key, however many threads ask."""
    rounds = {}

    def get(key):
        while True:
            mine = {"event": threading.Event()}
            entry = rounds.setdefault(key, mine)
            if entry is not mine:
                entry["event"].wait()
                if "result" in entry:
                    return entry["result"]
                if "error" in entry:
                    raise entry["error"]
                continue
            try:
                result = func(key)
            except BaseException as exc:
                mine["error"] = exc
                rounds.pop(key, None)
                mine["event"].set()
                raise
            mine["result"] = result
            mine["event"].set()
            return result

    return get
