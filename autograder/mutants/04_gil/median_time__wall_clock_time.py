"""Times with time.time(), the wall clock, instead of time.perf_counter().

time.time() can jump (NTP, daylight saving) and is coarse on some systems.
"""

import statistics
import time


def median_time(func, repeat=5, warmup=1):
    if repeat < 1 or warmup < 0:
        raise ValueError("repeat must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.time()
        func()
        times.append(time.time() - start)
    return statistics.median(times)
