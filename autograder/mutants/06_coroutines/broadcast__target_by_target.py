"""Keeps the items and, on close, sends all of them to one target before the next."""


@coroutine
def broadcast(targets):
    targets = list(targets)
    items = []
    try:
        while True:
            items.append((yield))
    finally:
        for target in targets:  # Bug: nothing is sent until close
            for item in items:
                target.send(item)
            target.close()
