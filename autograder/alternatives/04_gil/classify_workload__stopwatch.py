"""Measures with a small context manager that reads both clocks, and indexes the verdict."""

import time


class Stopwatch:
    def __enter__(self):
        self.cpu = -time.thread_time()
        self.wall = -time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.cpu += time.thread_time()
        self.wall += time.perf_counter()
        return False


def classify_workload(func, *args):
    with Stopwatch() as watch:
        func(*args)
    return ("io", "cpu")[2 * watch.cpu >= watch.wall]
