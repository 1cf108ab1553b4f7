"""Times the calls with timeit.Timer, one call per timing, and keeps the last `repeat`."""

import statistics
import timeit


def median_time(func, repeat=5, warmup=1):
    if repeat < 1 or warmup < 0:
        raise ValueError(f"need repeat >= 1 and warmup >= 0, got {repeat}, {warmup}")
    # timeit's default timer is time.perf_counter; number=1 times each call on its own.
    times = timeit.Timer(func).repeat(repeat=warmup + repeat, number=1)
    return float(statistics.median(times[warmup:]))
