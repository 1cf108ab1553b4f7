"""Computes Amdahl's fixed-size speedup instead of Gustafson's scaled speedup."""


def gustafson_speedup(p, n):
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not n >= 1:
        raise ValueError("n must be at least 1")
    return 1.0 / ((1.0 - p) + p / n)
