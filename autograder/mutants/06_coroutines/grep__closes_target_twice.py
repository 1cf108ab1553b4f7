"""Closes the target in an except GeneratorExit block and again in finally."""


@coroutine
def grep(pattern, target):
    try:
        while True:
            line = yield
            if pattern in line:
                target.send(line)
    except GeneratorExit:
        target.close()
        raise
    finally:
        target.close()  # Bug: the second close
