"""Returns 1 - S/n (the lost efficiency), which is not the serial fraction."""


def karp_flatt(speedup, n):
    if not n > 1 or not speedup > 0:
        raise ValueError("need n > 1 and a positive speedup")
    return 1.0 - speedup / n
