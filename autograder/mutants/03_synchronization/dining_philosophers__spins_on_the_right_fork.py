"""Holds the left fork and spins on the right one with non-blocking tries."""

import threading


def dine(forks, meals, eat):
    n = len(forks)

    def philosopher(i):
        left, right = forks[i], forks[(i + 1) % n]
        for _ in range(meals):
            with left:
                while not right.acquire(blocking=False):
                    pass
                try:
                    eat(i)
                finally:
                    right.release()

    threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
