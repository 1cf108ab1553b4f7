"""Uses 60% instead of half as the threshold: a call on the CPU 55% of the time is called "io"."""

import time


def classify_workload(func, *args):
    wall_start = time.perf_counter()
    cpu_start = time.thread_time()
    func(*args)
    cpu = time.thread_time() - cpu_start
    wall = time.perf_counter() - wall_start
    return "cpu" if cpu >= 0.6 * wall else "io"
