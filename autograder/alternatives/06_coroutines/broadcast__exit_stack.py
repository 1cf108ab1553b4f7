"""Registers each target's close with an ExitStack, which runs them all on close."""
import contextlib


@coroutine
def broadcast(targets):
    with contextlib.ExitStack() as stack:
        fixed = tuple(targets)
        for target in fixed:
            stack.callback(target.close)
        while True:
            item = yield
            for target in fixed:
                target.send(item)
