# Attack: a list subclass whose == is always true and whose __class__ says list;
# the values themselves are wrong (the honest twin returns the same values in
# a plain list).
import threading
from concurrent.futures import ThreadPoolExecutor


class AlwaysEqual(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None

    @property
    def __class__(self):
        return list


def run_in_threads(func, arg_tuples):
    arg_tuples = list(arg_tuples)
    with ThreadPoolExecutor(max(1, len(arg_tuples))) as pool:
        futures = [pool.submit(func, *args) for args in arg_tuples]
    for f in futures:
        if f.exception() is not None:
            raise f.exception()
    return AlwaysEqual([None] * len(futures))
