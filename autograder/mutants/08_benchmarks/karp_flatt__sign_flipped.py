"""Subtracts the wrong way round, (1/n - 1/S) / (1 - 1/n): serial fractions come out negative."""


def karp_flatt(speedup, n):
    if not n > 1 or not speedup > 0:
        raise ValueError("need n > 1 and a positive speedup")
    return (1.0 / n - 1.0 / speedup) / (1.0 - 1.0 / n)
