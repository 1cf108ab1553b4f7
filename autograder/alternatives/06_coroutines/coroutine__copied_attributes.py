"""A closure that copies the name and docstring by hand and primes with a for loop."""


def coroutine(func):
    def primed(*args, **kwargs):
        gen = func(*args, **kwargs)
        for _ in gen:  # one step: run up to the first yield
            break
        return gen

    primed.__name__ = func.__name__
    primed.__qualname__ = func.__qualname__
    primed.__doc__ = func.__doc__
    primed.__wrapped__ = func
    return primed
