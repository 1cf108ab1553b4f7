"""Feeds the philosophers one after another in the calling thread."""


def dine(forks, meals, eat):
    n = len(forks)
    for i in range(n):
        for _ in range(meals):
            with forks[i], forks[(i + 1) % n]:
                eat(i)
