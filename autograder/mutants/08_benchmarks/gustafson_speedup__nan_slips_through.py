"""Checks p < 0 or p > 1 and n < 1, which are all False for NaN, so NaN gets through."""


def gustafson_speedup(p, n):
    if p < 0 or p > 1:
        raise ValueError("p must be in [0, 1]")
    if n < 1:
        raise ValueError("n must be at least 1")
    return float((1 - p) + p * n)
