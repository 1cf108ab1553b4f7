"""Measures CPU time with time.process_time(), which counts every thread of the process."""

import time


def classify_workload(func, *args):
    wall_start = time.perf_counter()
    cpu_start = time.process_time()
    func(*args)
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - wall_start
    return "cpu" if cpu >= 0.5 * wall else "io"
