"""Calls a call shorter than 1 ms nine more times to time it better: func runs more than once."""

import time


def classify_workload(func, *args):
    rounds = 1
    while True:
        wall_start = time.perf_counter()
        cpu_start = time.thread_time()
        for _ in range(rounds):
            func(*args)
        cpu = time.thread_time() - cpu_start
        wall = time.perf_counter() - wall_start
        if wall >= 0.001 * rounds or rounds > 1:
            return "cpu" if cpu >= 0.5 * wall else "io"
        rounds = 10
