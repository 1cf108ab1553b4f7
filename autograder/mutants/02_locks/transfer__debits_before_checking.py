"""Debits src first and checks afterwards, so a refused transfer still takes the money."""

import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    first, second = sorted((src, dst), key=id)
    with first.lock, second.lock:
        src.balance -= amount
        if src.balance < 0:
            raise ValueError("insufficient funds")
        dst.balance += amount
