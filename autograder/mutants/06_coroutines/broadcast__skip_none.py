"""Skips None items (mistaking them for the priming value), so a None sent to b reaches no target."""


@coroutine
def broadcast(targets):
    """Send every item to each target in turn; close them all when closed."""
    targets = list(targets)
    try:
        while True:
            item = yield
            if item is None:
                continue  # nothing was sent
            for target in targets:
                target.send(item)
    finally:
        for target in targets:
            target.close()
