"""Counts the repeats down two at a time, so an odd `repeat` never reaches 0: an endless loop."""

import statistics
import time


def median_time(func, repeat=5, warmup=1):
    if repeat < 1 or warmup < 0:
        raise ValueError("repeat must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        func()
    times = []
    left = repeat
    while left != 0:
        for _ in range(2):
            start = time.perf_counter()
            func()
            times.append(time.perf_counter() - start)
        left -= 2
    return statistics.median(times)
