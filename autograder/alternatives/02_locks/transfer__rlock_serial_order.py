"""RLocks taken in the order of a serial number each account gets when it is opened."""

import itertools
import threading

_serials = itertools.count()


class Account:
    def __init__(self, balance):
        self.serial = next(_serials)
        self.balance = balance
        self.lock = threading.RLock()


def transfer(src, dst, amount):
    first, second = (src, dst) if src.serial < dst.serial else (dst, src)
    first.lock.acquire()
    try:
        second.lock.acquire()
        try:
            if amount > src.balance:
                raise ValueError(f"cannot move {amount} out of {src.balance}")
            dst.balance = dst.balance + amount
            src.balance = src.balance - amount
        finally:
            second.lock.release()
    finally:
        first.lock.release()
