"""Goes through the efficiency E = S / n: e = (1 / E - 1) / (n - 1)."""

import math


def karp_flatt(speedup, n):
    if math.isnan(speedup) or math.isnan(n):
        raise ValueError("NaN is not a valid argument")
    if n <= 1:
        raise ValueError(f"need more than one worker, got n = {n}")
    if speedup <= 0:
        raise ValueError(f"the speedup must be positive, got {speedup}")
    efficiency = speedup / n
    return float((1 / efficiency - 1) / (n - 1))
