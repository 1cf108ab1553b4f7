"""Loops over the `targets` argument for every item: a generator of targets runs dry."""


@coroutine
def broadcast(targets):
    try:
        while True:
            item = yield
            for target in targets:  # Bug: a generator is empty the second time
                target.send(item)
    finally:
        for target in targets:
            target.close()
