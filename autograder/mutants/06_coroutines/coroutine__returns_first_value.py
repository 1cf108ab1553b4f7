"""Returns what next() gives back (the first yielded value) instead of the generator."""


def coroutine(func):
    @functools.wraps(func)
    def start(*args, **kwargs):
        gen = func(*args, **kwargs)
        return next(gen)  # Bug: this is the value, not the generator

    return start
