"""When func raises, the event is never set: the waiters of that key hang for ever."""


def once_per_key(func):
    lock = threading.Lock()
    done = {}
    running = {}

    def get(key):
        with lock:
            if key in done:
                return done[key]
            event = running.get(key)
            owner = event is None
            if owner:
                event = running[key] = threading.Event()
        if not owner:
            event.wait()
            return done[key]
        value = func(key)  # an exception leaves the waiters waiting
        with lock:
            done[key] = value
            del running[key]
        event.set()
        return value

    return get
