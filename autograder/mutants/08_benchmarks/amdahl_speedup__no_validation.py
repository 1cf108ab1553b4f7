"""Computes the formula for any input: p = 1.5 or n = 0.5 give nonsense, n = 0 divides by zero."""


def amdahl_speedup(p, n):
    return 1.0 / ((1.0 - p) + p / n)
