"""Joins the philosophers with a one-second time limit in all, so a long meal outlives dine()."""

import threading
import time


def dine(forks, meals, eat):
    n = len(forks)

    def philosopher(i):
        low, high = sorted((i, (i + 1) % n))
        for _ in range(meals):
            with forks[low], forks[high]:
                eat(i)

    threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    limit = time.monotonic() + 1.0
    for t in threads:
        t.join(timeout=max(0.0, limit - time.monotonic()))
