"""Accepts repeat=0 and negative warm-ups, returning 0.0 instead of raising ValueError."""

import statistics
import time


def median_time(func, repeat=5, warmup=1):
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) if times else 0.0
