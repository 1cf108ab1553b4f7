"""Slots, locks ordered by a UUID string, and an ExitStack that releases them on every path."""

import contextlib
import threading
import uuid


class Account:
    __slots__ = ("balance", "lock", "key")

    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()
        self.key = uuid.uuid4().hex


def transfer(src, dst, amount):
    with contextlib.ExitStack() as stack:
        for account in sorted((src, dst), key=lambda a: a.key):
            stack.enter_context(account.lock)
        balance = src.balance
        if balance < amount:
            raise ValueError("insufficient funds")
        src.balance = balance - amount
        dst.balance += amount
