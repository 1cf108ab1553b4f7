"""Rounds n down to a whole number of workers, so n = 2.5 counts as 2."""


def gustafson_speedup(p, n):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not n >= 1:
        raise ValueError("n must be at least 1")
    return float((1 - p) + p * int(n))
