"""Primes with send(None) and copies the metadata with functools.update_wrapper after defining the inner function."""


def coroutine(func):
    """Decorate a generator function so that calling it returns a primed generator."""

    def primed(*args, **kwargs):
        generator = func(*args, **kwargs)
        generator.send(None)
        return generator

    return functools.update_wrapper(primed, func)
