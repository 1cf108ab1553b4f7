"""The harness reports each hidden test as a sentence; the helpers of `autograder.testing`."""

from __future__ import annotations

import threading
import time
import types

import pytest

from autograder._harness import run_suite
from autograder.testing import HeldAtExit, joining, wait_until

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


STUCK_SUITE = '''
import threading
import pytest
from autograder import testing

@pytest.mark.exercise("wait")
@pytest.mark.deadline(0.6)
def test_a_whole_test_that_hangs(student):
    """a test that hangs as a whole"""
    student.wait()

@pytest.mark.exercise("wait")
@pytest.mark.parametrize("n", range(4))
def test_calls_that_hang(student, n):
    """a call the suite makes with its own deadline"""
    testing.call_student(student.wait, timeout=0.4)

@pytest.mark.exercise("wait")
def test_quick(student):
    """a test that would pass"""
    assert testing.stuck_budget().seconds == 1.5
'''


def test_stuck_tests_and_stuck_calls_share_the_exercise_budget():
    """The harness owns one stuck budget per exercise: a test that runs past its deadline
    and a call made through testing.call_student that does not return are both charged
    to it, and once it is spent the remaining tests fail at once as "not run"."""
    module = types.ModuleType("test_98_stuck")
    exec(compile(STUCK_SUITE, "test_98_stuck.py", "exec"), module.__dict__)
    release = __import__("threading").Event()
    try:
        result = run_suite(
            "98_stuck", "wait", {"wait": lambda: release.wait(10)}, 6, budget=1.5, suite=module
        )
    finally:
        release.set()
    reasons = [t.reason for t in result.tests]
    assert not any(t.passed for t in result.tests), result.report()
    # 0.6 s (the whole test) + 0.4 + 0.4 (two calls) = 1.4 s < 1.5: the third call still runs;
    # then 1.8 s >= 1.5 and everything after is "not run", the last test included.
    assert "did not return within 0.4 s" in reasons[3], result.report()
    assert all(
        r.startswith("not run: earlier tests of this exercise got stuck") for r in reasons[4:]
    )
    assert len(reasons) == 6, result.report()
    # Outside the harness the budget is unlimited again.
    from autograder.testing import stuck_budget

    assert stuck_budget().seconds == float("inf")


def _ends_holding(holder_args: tuple) -> threading.Thread:
    exits = threading.local()

    def body():
        exits.held = HeldAtExit(*holder_args)

    thread = threading.Thread(target=body, name="held")
    thread.start()
    return thread


def test_held_at_exit_keeps_a_thread_alive_until_someone_joins_it():
    # Nobody joins: the thread stays alive at its very end until `released` is set.
    released = threading.Event()
    thread = _ends_holding((released, lambda: None, 5.0))
    time.sleep(0.3)
    assert thread.is_alive(), "the thread ended although nobody joined it"
    released.set()
    thread.join(2.0)
    assert not thread.is_alive()
    # A thread that joins it lets it end at once.
    joiner: list = [None]
    thread = _ends_holding((threading.Event(), lambda: joiner[0], 5.0))
    joiner[0] = threading.current_thread()
    start = time.monotonic()
    thread.join(3.0)
    assert not thread.is_alive() and time.monotonic() - start < 1.0


def test_joining_sees_a_thread_in_thread_join_only():
    gate = threading.Event()
    sleeper = threading.Thread(target=gate.wait, args=(5.0,))
    sleeper.start()
    joiner = threading.Thread(target=sleeper.join)
    waiter = threading.Thread(target=gate.wait, args=(5.0,))
    joiner.start()
    waiter.start()
    try:
        assert wait_until(lambda: joining(joiner), 2.0)
        assert not joining(waiter) and not joining(None)
    finally:
        gate.set()
        for t in (sleeper, joiner, waiter):
            t.join(2.0)
