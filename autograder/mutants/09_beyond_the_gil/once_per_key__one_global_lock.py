"""One lock held while computing: a slow key blocks every other key."""


def once_per_key(func):
    lock = threading.Lock()
    cache = {}

    def get(key):
        with lock:
            if key not in cache:
                cache[key] = func(key)
            return cache[key]

    return get
