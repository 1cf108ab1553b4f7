"""Closes the target on GeneratorExit and matches with str.find."""


@coroutine
def grep(pattern, target):
    while True:
        try:
            line = yield
        except GeneratorExit:
            target.close()
            raise
        if line.find(pattern) != -1:
            target.send(line)
