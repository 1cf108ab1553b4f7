"""Returns the mean of the timed calls instead of the median: one slow call drags it up."""

import time


def median_time(func, repeat=5, warmup=1):
    if repeat < 1 or warmup < 0:
        raise ValueError("repeat must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        func()
    total = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        total += time.perf_counter() - start
    return total / repeat
