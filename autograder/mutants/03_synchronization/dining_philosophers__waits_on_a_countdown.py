"""dine() waits until a count of finished philosophers reaches n instead of joining the
threads: each philosopher counts itself after its last meal, with its forks down, so dine()
can return while philosopher threads are still running."""

import threading


def dine(forks, meals, eat):
    n = len(forks)
    done = threading.Condition()
    finished = [0]

    def philosopher(i):
        low, high = sorted((i, (i + 1) % n))
        for _ in range(meals):
            with forks[low], forks[high]:
                eat(i)
        with done:
            finished[0] += 1
            done.notify_all()

    for i in range(n):
        threading.Thread(target=philosopher, args=(i,), daemon=True).start()
    with done:
        while finished[0] < n:
            done.wait()
