"""Passes positional arguments only; keyword arguments are lost."""


def coroutine(func):
    @functools.wraps(func)
    def start(*args, **kwargs):
        gen = func(*args)  # Bug: kwargs dropped
        next(gen)
        return gen

    return start
