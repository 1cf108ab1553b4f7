"""Takes both account locks "atomically" under one global guard lock (released as soon as both
are held): no deadlock, but a transfer waiting for a busy account holds the guard, so every
other transfer, even between two other accounts, waits for it (and it takes a third lock)."""

import threading

_GUARD = threading.Lock()


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    with _GUARD:  # take both or none: nobody can grab one of ours in between
        src.lock.acquire()
        dst.lock.acquire()
    try:
        if src.balance < amount:
            raise ValueError("insufficient funds")
        src.balance -= amount
        dst.balance += amount
    finally:
        dst.lock.release()
        src.lock.release()
