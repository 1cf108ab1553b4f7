"""Serialises every transfer behind one global lock and ignores the accounts' own locks."""

import threading

_BANK = threading.Lock()


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    with _BANK:
        if src.balance < amount:
            raise ValueError("insufficient funds")
        src.balance -= amount
        dst.balance += amount
