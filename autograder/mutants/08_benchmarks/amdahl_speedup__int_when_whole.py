"""Returns an int when the speedup is a whole number (amdahl_speedup(0.0, 8) gives 1)."""


def amdahl_speedup(p, n):
    if not 0 <= p <= 1 or not n >= 1:
        raise ValueError("need 0 <= p <= 1 and n >= 1")
    s = 1 / ((1 - p) + p / n)
    return int(s) if s.is_integer() else s
