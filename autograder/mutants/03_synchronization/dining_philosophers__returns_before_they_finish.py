"""Starts the philosophers but returns without joining them."""

import threading


def dine(forks, meals, eat):
    n = len(forks)

    def philosopher(i):
        low, high = sorted((i, (i + 1) % n))
        for _ in range(meals):
            with forks[low], forks[high]:
                eat(i)

    for i in range(n):
        threading.Thread(target=philosopher, args=(i,)).start()
