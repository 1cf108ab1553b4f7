"""The harness reports each hidden test as a sentence, parametrized tests included."""

from __future__ import annotations

import types

import pytest

from autograder._harness import run_suite

# The suite below is built in this process too, where pytest does not know its marks.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")

SUITE = '''
import pytest

@pytest.mark.exercise("double")
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_doubles(student, method):
    """doubles a number, whichever start method"""
    assert student.double(2) == 4 if method == "fork" else student.double(3) == 6

@pytest.mark.exercise("double")
def test_zero(student):
    """doubles zero"""
    assert student.double(0) == 0
'''


def _suite() -> types.ModuleType:
    module = types.ModuleType("test_99_harness")
    exec(compile(SUITE, "test_99_harness.py", "exec"), module.__dict__)
    return module


@pytest.mark.parametrize(
    ("double", "failing"),
    [
        (lambda x: 2 * x, []),
        (lambda x: 4 if x == 2 else x, ["doubles a number, whichever start method [spawn]"]),
    ],
    ids=["right", "wrong-for-spawn"],
)
def test_a_parametrized_test_reports_one_titled_line_per_case(double, failing):
    result = run_suite("99_harness", "double", {"double": double}, 3, suite=_suite())
    titles = [t.title for t in result.tests]
    assert titles == [
        "doubles a number, whichever start method [fork]",
        "doubles a number, whichever start method [spawn]",
        "doubles zero",
    ], result.report()
    assert [t.title for t in result.tests if not t.passed] == failing, result.report()
