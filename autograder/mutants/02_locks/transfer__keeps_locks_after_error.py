"""Acquires and releases by hand, and raises ValueError without releasing the locks."""

import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    first, second = sorted((src, dst), key=id)
    first.lock.acquire()
    second.lock.acquire()
    if src.balance < amount:
        raise ValueError("insufficient funds")
    src.balance -= amount
    dst.balance += amount
    second.lock.release()
    first.lock.release()
