"""Forgets the @coroutine decorator, so the first send() fails."""


def broadcast(targets):
    targets = list(targets)
    try:
        while True:
            item = yield
            for target in targets:
                target.send(item)
    finally:
        for target in targets:
            target.close()
