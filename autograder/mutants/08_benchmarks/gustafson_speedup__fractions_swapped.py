"""Multiplies the serial fraction by n instead of the parallel one: p + (1 - p) * n."""


def gustafson_speedup(p, n):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not n >= 1:
        raise ValueError("n must be at least 1")
    return float(p + (1 - p) * n)
