"""Keeps the targets in a list and, when closed, closes them in reverse order (the contract doesn't fix a closing order)."""


@coroutine
def broadcast(targets):
    """Send every item to each target in turn; close them all when closed."""
    targets = [*targets]
    try:
        while True:
            item = yield
            for target in targets:
                target.send(item)
    finally:
        while targets:
            targets.pop().close()  # last in, first closed
