"""Rounds the CPU share to two decimals before comparing with 0.5, so 0.496 counts as "cpu"."""

import time


def classify_workload(func, *args):
    wall0 = time.perf_counter()
    cpu0 = time.thread_time()
    func(*args)
    cpu = time.thread_time() - cpu0
    wall = time.perf_counter() - wall0
    return "cpu" if round(cpu / wall, 2) >= 0.5 else "io"
