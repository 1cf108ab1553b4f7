"""A class whose instances wrap the generator function and prime with send(None)."""


class coroutine:
    def __init__(self, func):
        self.func = func
        functools.update_wrapper(self, func)

    def __call__(self, *args, **kwargs):
        gen = self.func(*args, **kwargs)
        gen.send(None)  # the same as next(gen): run to the first yield
        return gen
