"""Returns the formula's own type, so gustafson_speedup(1, 4) is the int 4, not 4.0."""


def gustafson_speedup(p, n):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not n >= 1:
        raise ValueError("n must be at least 1")
    return (1 - p) + p * n
