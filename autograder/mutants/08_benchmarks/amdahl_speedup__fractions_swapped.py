"""Divides the serial fraction by n instead of the parallel one: 1 / (p + (1 - p) / n)."""


def amdahl_speedup(p, n):
    if not 0 <= p <= 1 or not n >= 1:
        raise ValueError("need 0 <= p <= 1 and n >= 1")
    return 1.0 / (p + (1.0 - p) / n)
