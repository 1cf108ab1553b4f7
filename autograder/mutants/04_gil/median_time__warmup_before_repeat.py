"""Declares the parameters as (func, warmup, repeat): positional calls swap them."""

import statistics
import time


def median_time(func, warmup=1, repeat=5):
    if repeat < 1 or warmup < 0:
        raise ValueError("repeat must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
