"""Holds only the left fork while eating."""

import threading


def dine(forks, meals, eat):
    def philosopher(i):
        for _ in range(meals):
            with forks[i]:
                eat(i)

    threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(len(forks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
