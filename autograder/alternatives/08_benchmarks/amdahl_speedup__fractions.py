"""Validates with a self-comparison for NaN and computes exactly with fractions.Fraction."""

from fractions import Fraction


def amdahl_speedup(p, n):
    for name, value in (("p", p), ("n", n)):
        if value != value:  # only NaN differs from itself
            raise ValueError(f"{name} is NaN")
    if not (p >= 0 and p <= 1):
        raise ValueError("p must be in [0, 1]")
    if not n >= 1:
        raise ValueError("n must be at least 1")
    fp, fn = Fraction(p), Fraction(n)
    return float(1 / ((1 - fp) + fp / fn))
