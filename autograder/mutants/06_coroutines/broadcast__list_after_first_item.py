"""Reads the targets lazily on the first send, so a broadcast closed before any item closes none of its targets."""


@coroutine
def broadcast(targets):
    """Send every item to each target in turn; close them all when closed."""
    seen = []
    try:
        while True:
            item = yield
            if not seen:
                seen = list(targets)
            for target in seen:
                target.send(item)
    finally:
        for target in seen:
            target.close()
