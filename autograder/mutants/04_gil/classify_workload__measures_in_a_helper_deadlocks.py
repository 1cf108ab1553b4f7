"""Runs the call in a helper thread, then waits for it while holding the lock it needs: a deadlock."""

import threading
import time


def classify_workload(func, *args):
    lock = threading.Lock()
    result = {}

    def measure():
        wall_start = time.perf_counter()
        cpu_start = time.thread_time()
        func(*args)
        with lock:
            result["cpu"] = time.thread_time() - cpu_start
            result["wall"] = time.perf_counter() - wall_start

    helper = threading.Thread(target=measure, daemon=True)
    with lock:
        helper.start()
        helper.join()
    return "cpu" if result["cpu"] >= 0.5 * result["wall"] else "io"
