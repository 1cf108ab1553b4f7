"""Strips each line before testing and passing it on, so whitespace and newlines are lost."""


@coroutine
def grep(pattern, target):
    try:
        while True:
            line = (yield).strip()  # Bug: the line must pass on unchanged
            if pattern in line:
                target.send(line)
    finally:
        target.close()
