"""Keeps the matching lines and only sends them on when closed."""


@coroutine
def grep(pattern, target):
    kept = []
    try:
        while True:
            line = yield
            if pattern in line:
                kept.append(line)
    finally:
        for line in kept:  # Bug: too late
            target.send(line)
        target.close()
