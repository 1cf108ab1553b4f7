"""Starts from 1.0 and adds the gain p * (n - 1), so the result is a float by construction."""


def gustafson_speedup(p, n):
    if not (0.0 <= p <= 1.0):
        raise ValueError("p must be in [0, 1]")
    if not (n >= 1.0):
        raise ValueError("n must be at least 1")
    return 1.0 + p * (n - 1)
