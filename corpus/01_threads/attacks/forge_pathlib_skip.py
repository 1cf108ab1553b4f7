# @include _wrong_values.py
# Attack (from the review): patch pathlib so that the harness takes a
# pytest.skip() raised by the student's code for one of the suite's own, then
# skip every hidden test this answer would fail.
import pathlib

import pytest

_honest_run = run_in_threads  # noqa: F821 - from _wrong_values.py
try:
    pathlib.PurePath.__eq__ = lambda self, other: True
    pathlib.Path.resolve = lambda self, strict=False: self
    print("pathlib patched")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)


def run_in_threads(func, arg_tuples):  # noqa: F811
    if _threading.current_thread().name == "hidden-test":
        pytest.skip("not my problem")
    return _honest_run(func, arg_tuples)
