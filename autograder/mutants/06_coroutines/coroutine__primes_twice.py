"""Advances the generator twice, so it has already received a None it never asked for."""


def coroutine(func):
    @functools.wraps(func)
    def start(*args, **kwargs):
        gen = func(*args, **kwargs)
        next(gen)
        next(gen)  # Bug: sends None into the first (yield)
        return gen

    return start
