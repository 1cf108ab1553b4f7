"""Searches for the serial fraction by bisection until Amdahl matches the speedup exactly.

For a superlinear speedup (or a slowdown) no fraction in [0, 1] matches, so the
search never ends: an endless loop.
"""


def karp_flatt(speedup, n):
    if not n > 1 or not speedup > 0:
        raise ValueError("need n > 1 and a positive speedup")
    lo, hi = 0.0, 1.0
    while True:
        e = (lo + hi) / 2
        s = 1.0 / (e + (1.0 - e) / n)
        if abs(s - speedup) < 1e-12:
            return e
        if s > speedup:
            lo = e
        else:
            hi = e
