"""Takes both account locks correctly but also one global lock, so unrelated transfers never run at once."""

import threading

_BANK = threading.Lock()


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    first, second = sorted((src, dst), key=id)
    with _BANK, first.lock, second.lock:
        if src.balance < amount:
            raise ValueError("insufficient funds")
        src.balance -= amount
        dst.balance += amount
