"""Forgets the @coroutine decorator, so the first send() fails."""


def grep(pattern, target):
    try:
        while True:
            line = yield
            if pattern in line:
                target.send(line)
    finally:
        target.close()
