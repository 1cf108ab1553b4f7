"""Rejects NaN with math.isnan first, then computes n / (n * (1 - p) + p)."""

import math


def amdahl_speedup(p, n):
    if math.isnan(p) or math.isnan(n):
        raise ValueError("p and n must be numbers, not NaN")
    if p < 0 or p > 1:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return float(n / (n * (1 - p) + p))
