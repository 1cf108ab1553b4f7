"""Holds src's lock and spins on dst's with non-blocking tries, for ever if dst is taken."""

import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    with src.lock:
        while not dst.lock.acquire(blocking=False):
            pass
        try:
            if src.balance < amount:
                raise ValueError("insufficient funds")
            src.balance -= amount
            dst.balance += amount
        finally:
            dst.lock.release()
