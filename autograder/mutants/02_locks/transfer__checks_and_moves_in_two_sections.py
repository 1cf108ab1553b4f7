"""Checks the funds under both locks, releases them, then takes them again to move the money."""

import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    first, second = sorted((src, dst), key=id)
    with first.lock, second.lock:
        if src.balance < amount:
            raise ValueError("insufficient funds")
    with first.lock, second.lock:
        src.balance -= amount
        dst.balance += amount
