"""Computes Gustafson's scaled speedup (1 - p) + p * n, which grows without limit."""


def amdahl_speedup(p, n):
    if not 0 <= p <= 1 or not n >= 1:
        raise ValueError("need 0 <= p <= 1 and n >= 1")
    return (1.0 - p) + p * n
