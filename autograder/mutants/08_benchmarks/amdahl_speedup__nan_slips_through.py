"""Checks the ranges with < and >, which are all false for NaN, so NaN slips through."""


def amdahl_speedup(p, n):
    if p < 0 or p > 1 or n < 1:
        raise ValueError("need 0 <= p <= 1 and n >= 1")
    return 1.0 / ((1.0 - p) + p / n)
