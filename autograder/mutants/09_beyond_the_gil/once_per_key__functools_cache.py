"""functools.cache: two threads that ask for the same key at once both call func."""
import functools


def once_per_key(func):
    return functools.cache(func)
