"""Uses the form n - (1 - p) * (n - 1), with math.isnan checks and float() at the end."""

import math


def gustafson_speedup(p, n):
    if math.isnan(p) or math.isnan(n):
        raise ValueError("NaN is not a valid argument")
    if p < 0 or p > 1:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return float(n - (1 - p) * (n - 1))
