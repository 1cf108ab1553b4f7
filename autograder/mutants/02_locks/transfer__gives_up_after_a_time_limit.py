"""Orders the locks by id, but waits at most 10 s for the second lock "in case of a deadlock",
then gives up with TimeoutError: a transfer with enough funds can fail just because another
transfer held an account for a while. (10 s, not 1 s: a limit that no other test's hold comes
near, so only the test that makes time limits run out at once decides it, every run.)"""

import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    first, second = sorted((src, dst), key=id)
    with first.lock:
        if not second.lock.acquire(timeout=10.0):
            raise TimeoutError("could not get both locks")
        try:
            if src.balance < amount:
                raise ValueError("insufficient funds")
            src.balance -= amount
            dst.balance += amount
        finally:
            second.lock.release()
