"""Debits under src's lock, then credits under dst's: the money is briefly nowhere."""

import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    with src.lock:
        if src.balance < amount:
            raise ValueError("insufficient funds")
        src.balance -= amount
    with dst.lock:
        dst.balance += amount
