# @include _liars.py
# Attack: the suites compare with autograder.suites._trust, whose type tables
# are tuples in the module's globals. The seal watches callables, not tuples:
# once `list` counts as a scalar, `same()` compares two lists with ==, and a
# list of Liars equals anything.
import sys

try:
    _trust = sys.modules["autograder.suites._trust"]
    _trust.SCALARS = tuple(_trust.SCALARS) + (list, tuple)
    print("patched the comparison tables")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
