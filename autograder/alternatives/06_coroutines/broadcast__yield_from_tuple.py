"""Freezes the targets in a tuple and delegates the loop to a helper generator with yield from; closes all in a finally."""
import collections


def _copy_to(targets):
    while True:
        item = yield
        collections.deque((t.send(item) for t in targets), maxlen=0)


@coroutine
def broadcast(targets):
    """Send every item to each target in turn; close them all when closed."""
    targets = tuple(targets)
    try:
        yield from _copy_to(targets)
    finally:
        collections.deque((t.close() for t in targets), maxlen=0)
