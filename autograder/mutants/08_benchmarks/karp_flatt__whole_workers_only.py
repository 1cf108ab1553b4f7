"""Refuses a worker count that is not a whole number, such as n = 1.5."""

import math


def karp_flatt(speedup, n):
    if math.isnan(speedup) or math.isnan(n) or n <= 1 or speedup <= 0 or n != int(n):
        raise ValueError("need a whole n > 1 and a positive speedup")
    return (1 / speedup - 1 / n) / (1 - 1 / n)
