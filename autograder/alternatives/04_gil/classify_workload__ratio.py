"""Imports the clocks by name and compares the ratio of CPU time to wall time with 0.5."""

from time import perf_counter, thread_time


def classify_workload(func, *args):
    t0, c0 = perf_counter(), thread_time()
    func(*args)
    c1, t1 = thread_time(), perf_counter()
    wall, cpu = t1 - t0, c1 - c0
    if wall <= 0:
        return "cpu"  # no measurable time at all: cpu >= half of 0
    return "cpu" if cpu / wall >= 0.5 else "io"
