"""A footman (a semaphore of n - 1 seats) lets at most n - 1 philosophers reach for forks."""

import threading


def dine(forks, meals, eat):
    n = len(forks)
    footman = threading.Semaphore(n - 1)

    def philosopher(i):
        left, right = forks[i], forks[(i + 1) % n]
        for _ in range(meals):
            with footman:
                with left:
                    with right:
                        eat(i)

    threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
