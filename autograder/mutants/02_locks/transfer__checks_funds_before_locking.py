"""Checks the funds before taking the locks: two transfers can both pass the check."""

import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    if src.balance < amount:
        raise ValueError("insufficient funds")
    first, second = sorted((src, dst), key=id)
    with first.lock, second.lock:
        src.balance -= amount
        dst.balance += amount
