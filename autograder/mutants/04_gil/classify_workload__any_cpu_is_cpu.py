"""Calls a function CPU-bound as soon as it uses any CPU time at all."""

import time


def classify_workload(func, *args):
    cpu_start = time.thread_time()
    func(*args)
    return "cpu" if time.thread_time() - cpu_start > 0.001 else "io"
