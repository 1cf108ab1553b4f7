"""Does not check its input: n = 1 raises ZeroDivisionError, and a zero speedup too."""


def karp_flatt(speedup, n):
    return (1.0 / speedup - 1.0 / n) / (1.0 - 1.0 / n)
