"""Checks the funds under both locks, releases them to do other work, then takes them again to move the money."""

import threading
import time


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    first, second = sorted((src, dst), key=id)
    with first.lock, second.lock:
        if src.balance < amount:
            raise ValueError("insufficient funds")
    time.sleep(0.1)  # other work (a log line, a fraud check) between the two sections
    with first.lock, second.lock:
        src.balance -= amount
        dst.balance += amount
