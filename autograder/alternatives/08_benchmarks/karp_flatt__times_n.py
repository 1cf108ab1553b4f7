"""Multiplies the formula through by n: e = (n / S - 1) / (n - 1), validated first."""


def karp_flatt(speedup, n):
    if not (n > 1):
        raise ValueError("n must be greater than 1")
    if not (speedup > 0):
        raise ValueError("speedup must be positive")
    return float((n / speedup - 1.0) / (n - 1.0))
