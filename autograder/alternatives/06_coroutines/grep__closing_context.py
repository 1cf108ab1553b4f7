"""Holds the target in contextlib.closing, which closes it when the generator is closed."""
import contextlib
import operator


@coroutine
def grep(pattern, target):
    with contextlib.closing(target):
        while True:
            line = yield
            if operator.contains(line, pattern):
                target.send(line)
