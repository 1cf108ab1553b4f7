"""dine() waits on a countdown instead of joining: each philosopher counts itself done right
after its last eat(), still inside `with` its forks, so dine() can return while forks are
still held and philosopher threads are still running."""

import threading


def dine(forks, meals, eat):
    n = len(forks)
    done = threading.Condition()
    finished = [0]

    def finish():
        with done:
            finished[0] += 1
            done.notify_all()

    def philosopher(i):
        low, high = sorted((i, (i + 1) % n))
        if meals == 0:
            finish()
            return
        for meal in range(meals):
            with forks[low], forks[high]:
                eat(i)
                if meal == meals - 1:
                    finish()

    for i in range(n):
        threading.Thread(target=philosopher, args=(i,), daemon=True).start()
    with done:
        while finished[0] < n:
            done.wait()
