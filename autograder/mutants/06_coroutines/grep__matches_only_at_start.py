"""Passes on only the lines that start with the pattern."""


@coroutine
def grep(pattern, target):
    try:
        while True:
            line = yield
            if line.startswith(pattern):  # Bug: anywhere in the line, not just at the start
                target.send(line)
    finally:
        target.close()
