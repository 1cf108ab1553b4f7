"""A table of rounds guarded by 16 striped locks chosen by hash(key) % 16, and func runs while its stripe is held: keys in one stripe (1 and 17) wait for each other."""


def once_per_key(func):
    """Return get(key): func(key) computed once per key, however many threads ask."""
    stripes = [threading.Lock() for _ in range(16)]
    guard = threading.Lock()
    done = {}
    failed = {}  # key -> (round, exception) of the last failed round
    rounds = {}  # key -> number of the round now running or next to run

    def get(key):
        with guard:
            if key in done:
                return done[key]
            my_round = rounds.setdefault(key, 0)
        with stripes[hash(key) % 16]:
            with guard:
                if key in done:
                    return done[key]
                last = failed.get(key)
                if last is not None and last[0] == my_round:
                    raise last[1]
            try:
                result = func(key)
            except BaseException as exc:
                with guard:
                    failed[key] = (my_round, exc)
                    rounds[key] = my_round + 1
                raise
            with guard:
                done[key] = result
            return result

    return get
