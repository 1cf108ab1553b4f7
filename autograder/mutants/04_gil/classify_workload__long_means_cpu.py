"""Judges by duration alone: anything that takes longer than 10 ms is called CPU-bound."""

import time


def classify_workload(func, *args):
    start = time.perf_counter()
    func(*args)
    return "cpu" if time.perf_counter() - start > 0.01 else "io"
