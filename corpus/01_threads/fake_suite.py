"""Plants a hidden suite of its own, whose tests always pass, under the real suite's name."""
# @mutant run_in_threads__first_exception_in_time
import sys
import types

import pytest

_suite = types.ModuleType("test_01_threads")


@pytest.mark.exercise("run_in_threads")
def test_everything_is_fine():
    """everything is fine"""


_suite.test_everything_is_fine = test_everything_is_fine
_suite.__file__ = "test_01_threads.py"
sys.modules["test_01_threads"] = _suite
