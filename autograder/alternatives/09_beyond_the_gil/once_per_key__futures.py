"""A concurrent.futures.Future per key: the first caller computes, the others wait on it."""
from concurrent.futures import Future


def once_per_key(func):
    lock = threading.Lock()
    futures = {}

    def get(key):
        with lock:
            future = futures.get(key)
            owner = future is None
            if owner:
                future = futures[key] = Future()
        if not owner:
            return future.result()
        try:
            value = func(key)
        except BaseException as exc:
            with lock:
                del futures[key]
            future.set_exception(exc)
            raise
        future.set_result(value)
        return value

    return get
