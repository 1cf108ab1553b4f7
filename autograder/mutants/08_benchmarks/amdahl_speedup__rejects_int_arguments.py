"""Rejects an int p such as 0 or 1, although the contract accepts an int or a float."""

import math


def amdahl_speedup(p, n):
    if type(p) is not float:
        raise ValueError(f"p must be a float, not {type(p).__name__}")
    if math.isnan(p) or math.isnan(n) or not 0 <= p <= 1 or n < 1:
        raise ValueError("need 0 <= p <= 1 and n >= 1")
    return 1 / ((1 - p) + p / n)
