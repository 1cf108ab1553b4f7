"""Copies the targets into a list and closes them on GeneratorExit."""


@coroutine
def broadcast(targets):
    targets = [*targets]
    while True:
        try:
            item = yield
        except GeneratorExit:
            for target in targets:
                target.close()
            raise
        i = 0
        while i < len(targets):
            targets[i].send(item)
            i += 1
