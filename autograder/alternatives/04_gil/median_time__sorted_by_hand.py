"""Imports perf_counter by name and takes the median by hand from the sorted times."""

from time import perf_counter


def median_time(func, repeat=5, warmup=1):
    if not (repeat >= 1 and warmup >= 0):
        raise ValueError("repeat must be at least 1 and warmup at least 0")
    times = []
    for i in range(warmup + repeat):
        t0 = perf_counter()
        func()
        t1 = perf_counter()
        if i >= warmup:
            times.append(t1 - t0)
    times.sort()
    mid = len(times) // 2
    if len(times) % 2:
        return float(times[mid])
    return (times[mid - 1] + times[mid]) / 2.0
