"""One Condition guards a table of states; waiters sleep on it until their key settles."""


class _Failed:
    def __init__(self, exc, generation):
        self.exc = exc
        self.generation = generation


def once_per_key(func):
    cond = threading.Condition()
    values = {}
    busy = {}  # key -> generation of the running call
    failures = {}  # key -> _Failed for the callers of that generation
    counter = [0]

    def get(key):
        with cond:
            if key in values:
                return values[key]
            if key in busy:
                mine = busy[key]
                while key in busy and busy[key] == mine:
                    cond.wait()
                if key in values:
                    return values[key]
                failed = failures.get(key)
                if failed is not None and failed.generation == mine:
                    raise failed.exc
            counter[0] += 1
            mine = busy[key] = counter[0]
        try:
            value = func(key)
        except BaseException as exc:
            with cond:
                del busy[key]
                failures[key] = _Failed(exc, mine)
                cond.notify_all()
            raise
        with cond:
            values[key] = value
            del busy[key]
            cond.notify_all()
        return value

    return get
