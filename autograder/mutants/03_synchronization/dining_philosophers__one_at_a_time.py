"""Makes the whole table take turns behind one lock: safe, but nobody eats together."""

import threading


def dine(forks, meals, eat):
    n = len(forks)
    table = threading.Lock()

    def philosopher(i):
        for _ in range(meals):
            with table:
                with forks[i], forks[(i + 1) % n]:
                    eat(i)

    threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
