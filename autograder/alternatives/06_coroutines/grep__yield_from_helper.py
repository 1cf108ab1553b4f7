"""Delegates the receiving loop to a helper generator with yield from; grep's own try/finally closes the target."""


def _matching(pattern, target):
    while True:
        line = yield
        if line.find(pattern) != -1:
            target.send(line)


@coroutine
def grep(pattern, target):
    """Send the lines that contain `pattern` on to `target`; close it when closed."""
    try:
        yield from _matching(pattern, target)
    finally:
        target.close()
