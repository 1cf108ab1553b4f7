"""A waiter (one Condition) hands out both forks at once, only when both are free."""

import threading


def dine(forks, meals, eat):
    n = len(forks)
    waiter = threading.Condition()
    in_use = [False] * n

    def philosopher(i):
        a, b = i, (i + 1) % n
        for _ in range(meals):
            with waiter:
                while in_use[a] or in_use[b]:
                    waiter.wait()
                in_use[a] = in_use[b] = True
            try:
                forks[a].acquire()
                try:
                    forks[b].acquire()
                    try:
                        eat(i)
                    finally:
                        forks[b].release()
                finally:
                    forks[a].release()
            finally:
                with waiter:
                    in_use[a] = in_use[b] = False
                    waiter.notify_all()

    threads = []
    for i in range(n):
        t = threading.Thread(target=philosopher, args=(i,), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
