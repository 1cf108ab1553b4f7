"""Says "cpu" only for strictly more than half the time on the CPU: exactly half is "io"."""

import time


def classify_workload(func, *args):
    wall_start = time.perf_counter()
    cpu_start = time.thread_time()
    func(*args)
    cpu = time.thread_time() - cpu_start
    wall = time.perf_counter() - wall_start
    return "cpu" if cpu > 0.5 * wall else "io"
