"""Rounds the median to microseconds (6 decimals) before returning it."""

import statistics
import time


def median_time(func, repeat=5, warmup=1):
    if repeat < 1 or warmup < 0:
        raise ValueError("repeat must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 6)
