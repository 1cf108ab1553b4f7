"""Never locks anything."""

import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    if src.balance < amount:
        raise ValueError("insufficient funds")
    src.balance -= amount
    dst.balance += amount
