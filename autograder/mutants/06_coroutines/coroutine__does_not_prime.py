"""Returns the generator without advancing it: send() fails on the just-started generator."""


def coroutine(func):
    @functools.wraps(func)
    def start(*args, **kwargs):
        return func(*args, **kwargs)  # Bug: no next()

    return start
