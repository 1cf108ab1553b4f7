"""Waiters call func themselves when the running call fails, instead of raising its error."""


def once_per_key(func):
    lock = threading.Lock()
    done = {}
    running = {}

    def get(key):
        while True:
            with lock:
                if key in done:
                    return done[key]
                event = running.get(key)
                owner = event is None
                if owner:
                    event = running[key] = threading.Event()
            if owner:
                break
            event.wait()
        try:
            value = func(key)
        except BaseException:
            with lock:
                del running[key]
            event.set()
            raise
        with lock:
            done[key] = value
            del running[key]
        event.set()
        return value

    return get
