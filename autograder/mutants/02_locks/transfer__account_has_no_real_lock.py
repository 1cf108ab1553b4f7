"""Gives each Account `lock = None`: the transfer is right, but only with locks someone else supplies."""

import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = None  # "filled in later": nothing ever does


def transfer(src, dst, amount):
    first, second = sorted((src, dst), key=id)
    with first.lock, second.lock:
        if src.balance < amount:
            raise ValueError("insufficient funds")
        src.balance -= amount
        dst.balance += amount
