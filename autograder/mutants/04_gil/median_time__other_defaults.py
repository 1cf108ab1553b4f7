"""Right with explicit arguments, but its defaults are repeat=3 and no warm-up, not the signature's 5 and 1."""

import statistics
import time


def median_time(func, repeat=3, warmup=0):
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    if warmup < 0:
        raise ValueError("warmup must be 0 or more")
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(statistics.median(times))
