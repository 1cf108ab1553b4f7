"""Returns a forwarding generator wrapped around the primed one, not the generator itself: throw() is not passed on and a return becomes RuntimeError."""


def coroutine(func):
    """Decorate a generator function so that calling it returns a primed generator."""

    @functools.wraps(func)
    def start(*args, **kwargs):
        def forward():
            inner = func(*args, **kwargs)
            value = next(inner)
            while True:
                value = inner.send((yield value))

        gen = forward()
        next(gen)
        return gen

    return start
