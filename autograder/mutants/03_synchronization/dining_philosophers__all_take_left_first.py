"""Every philosopher picks up the left fork, then the right: a cycle of waits."""

import threading


def dine(forks, meals, eat):
    n = len(forks)

    def philosopher(i):
        for _ in range(meals):
            with forks[i]:
                with forks[(i + 1) % n]:
                    eat(i)

    threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
