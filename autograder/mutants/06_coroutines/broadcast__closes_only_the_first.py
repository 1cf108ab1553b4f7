"""Returns from inside the closing loop, so only the first target is closed."""


@coroutine
def broadcast(targets):
    targets = list(targets)
    try:
        while True:
            item = yield
            for target in targets:
                target.send(item)
    except GeneratorExit:
        for target in targets:
            target.close()
            return  # Bug: indented one level too deep
