"""Sends to every target, but closing broadcast leaves the targets open."""


@coroutine
def broadcast(targets):
    targets = list(targets)
    while True:
        item = yield
        for target in targets:
            target.send(item)
