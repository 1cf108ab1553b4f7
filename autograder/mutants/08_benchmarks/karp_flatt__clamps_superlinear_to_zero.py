"""Clamps the result to [0, 1], hiding superlinear speedups and slowdowns."""


def karp_flatt(speedup, n):
    if not n > 1 or not speedup > 0:
        raise ValueError("need n > 1 and a positive speedup")
    e = (1.0 / speedup - 1.0 / n) / (1.0 - 1.0 / n)
    return min(1.0, max(0.0, e))
