"""Every Account gets the same class-wide lock: safe, but unrelated transfers wait for each other."""

import threading

_BANK_LOCK = threading.RLock()


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = _BANK_LOCK


def transfer(src, dst, amount):
    with src.lock, dst.lock:
        if src.balance < amount:
            raise ValueError("insufficient funds")
        src.balance -= amount
        dst.balance += amount
