"""Calls func and measures it in a helper thread, then joins it: func does not run in the calling thread."""

import threading
import time


def classify_workload(func, *args):
    result = {}

    def measure():
        wall_start = time.perf_counter()
        cpu_start = time.thread_time()
        func(*args)
        result["cpu"] = time.thread_time() - cpu_start
        result["wall"] = time.perf_counter() - wall_start

    helper = threading.Thread(target=measure)
    helper.start()
    helper.join()
    return "cpu" if result["cpu"] >= 0.5 * result["wall"] else "io"
