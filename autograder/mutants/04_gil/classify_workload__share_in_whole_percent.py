"""Truncates the CPU share to a whole percent with int(100 * cpu / wall) before comparing with 50."""

import time


def classify_workload(func, *args):
    wall0 = time.perf_counter()
    cpu0 = time.thread_time()
    func(*args)
    cpu = time.thread_time() - cpu0
    wall = time.perf_counter() - wall0
    return "cpu" if int(100 * cpu / wall) >= 50 else "io"
