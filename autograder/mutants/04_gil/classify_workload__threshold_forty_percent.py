"""Uses 40% instead of half as the threshold: a call on the CPU 45% of the time is called "cpu"."""

import time


def classify_workload(func, *args):
    wall_start = time.perf_counter()
    cpu_start = time.thread_time()
    func(*args)
    cpu = time.thread_time() - cpu_start
    wall = time.perf_counter() - wall_start
    return "cpu" if cpu >= 0.4 * wall else "io"
