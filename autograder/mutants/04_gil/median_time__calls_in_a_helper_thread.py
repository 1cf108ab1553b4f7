"""Makes each call in a new thread and waits for it: func never runs in the calling thread."""

import statistics
import threading
import time


def median_time(func, repeat=5, warmup=1):
    if repeat < 1 or warmup < 0:
        raise ValueError("repeat must be >= 1 and warmup >= 0")

    def one_call():
        worker = threading.Thread(target=func)
        worker.start()
        worker.join()

    for _ in range(warmup):
        one_call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        one_call()
        times.append(time.perf_counter() - start)
    return float(statistics.median(times))
