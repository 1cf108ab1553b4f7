"""Check-then-act on a dict: a second caller sees the key missing and calls func again."""


def once_per_key(func):
    cache = {}

    def get(key):
        if key not in cache:
            cache[key] = func(key)
        return cache[key]

    return get
