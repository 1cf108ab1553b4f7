"""Computes the CPU share correctly, then returns the two labels the wrong way round."""

import time


def classify_workload(func, *args):
    wall_start = time.perf_counter()
    cpu_start = time.thread_time()
    func(*args)
    cpu = time.thread_time() - cpu_start
    wall = time.perf_counter() - wall_start
    return "io" if cpu >= 0.5 * wall else "cpu"
