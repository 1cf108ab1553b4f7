"""Hidden tests for 04_gil: median_time and classify_workload.

Timing code is tested with clocks the test owns: while the student's function
runs, time.perf_counter and time.thread_time are replaced by a fake clock
that moves only when the test's workload says so. A call then "takes"
exactly the seconds the test chose, so medians are checked exactly and the
verdicts cannot be flipped by a busy machine. A few checks use the real
clocks, with loose bounds only.
"""

import contextlib
import threading
import time
import types

import pytest

from autograder.suites._trust import close, fail_for, real_isinstance, safe_repr, same, type_name
from autograder.testing import call_with_deadline

#: The fake clocks patch the time module itself: the seal must not count that as tampering.
LIBRARY_WRITES = ("time",)

MEDIAN = pytest.mark.exercise("median_time")
CLASSIFY = pytest.mark.exercise("classify_workload")


class FakeClock:
    """A wall clock and a CPU clock that advance only when `spend` is called."""

    def __init__(self):
        self.wall = 1000.0
        self.cpu = 50.0

    def perf_counter(self):
        return self.wall

    def thread_time(self):
        return self.cpu

    def spend(self, wall, cpu=0.0):
        self.wall += wall
        self.cpu += cpu


@contextlib.contextmanager
def fake_clocks(student, clock):
    """Replace time.perf_counter and time.thread_time, wherever the student took them."""
    real = {"perf_counter": time.perf_counter, "thread_time": time.thread_time}
    fake = {"perf_counter": clock.perf_counter, "thread_time": clock.thread_time}
    namespace = student._mapping
    # `from time import perf_counter` in a cell binds the real function to a name.
    rebound = {
        name: value
        for name, value in list(namespace.items())
        if any(value is fn for fn in real.values())
    }
    try:
        for attr, fn in fake.items():
            setattr(time, attr, fn)
        for name, value in rebound.items():
            attr = next(a for a, fn in real.items() if fn is value)
            namespace[name] = fake[attr]
        yield clock
    finally:
        for attr, fn in real.items():
            setattr(time, attr, fn)
        for name, value in rebound.items():
            namespace[name] = value


#: More calls than any test needs: a student's endless loop stops here, not in memory.
MAX_CALLS = 1000


def counting(clock=None, durations=()):
    """Return func() whose k-th call takes durations[k] fake seconds; and its call list."""
    calls = []

    def func():
        k = len(calls)
        if k >= MAX_CALLS:
            raise RuntimeError(f"func was called more than {MAX_CALLS} times: an endless loop?")
        calls.append(k)
        if clock is not None:
            clock.spend(durations[k] if k < len(durations) else 0.0)

    return func, calls


#: Calls of student code that never returned, in this run of the suite.
_STUCK = []


@pytest.fixture(autouse=True, scope="module")
def _forget_stuck_calls():
    _STUCK.clear()


def _name(func):
    """The name of a plain function (whose __name__ cannot lie), else a description."""
    return func.__name__ if type(func) is types.FunctionType else "the function"


def call_student(func, *args, timeout=1.5, expect=None, **kwargs):
    """Call student code in a helper thread; fail the test if it does not return in time.

    The test's own thread stays free, so the clocks it patched are always put back.
    After two stuck calls, later tests fail at once instead of waiting again. An
    exception of a class in `expect` (by its real class) is raised for the test to
    catch; any other fails the test with a guarded description.
    """
    if len(_STUCK) >= 2:
        pytest.fail(f"not run: {_STUCK[0]}", pytrace=False)
    finished, value = call_with_deadline(lambda: func(*args, **kwargs), timeout=timeout)
    if not finished:
        message = (
            f"{_name(func)}() did not return within {timeout:g} s: a deadlock or an endless loop?"
        )
        _STUCK.append(message)
        pytest.fail(message, pytrace=False)
    if expect is not None and real_isinstance(value, expect):
        raise value
    fail_for(value, f"{_name(func)}()")
    return value


def _seconds(result):
    """Fail unless `result` is exactly a float, as the contract says; return it."""
    if type(result) is not float:
        pytest.fail(
            f"median_time should return a float, not {type_name(result)} ({safe_repr(result)})",
            pytrace=False,
        )
    return result


def _about(result, expected):
    """Tell whether a float is `expected`, within pytest.approx's default tolerance."""
    return close(result, expected, rel=1e-6, abs=1e-12)


def _median_with_fake_clock(student, durations, repeat, warmup):
    clock = FakeClock()
    func, calls = counting(clock, durations)
    with fake_clocks(student, clock):
        result = call_student(student.median_time, func, repeat=repeat, warmup=warmup)
    return result, calls


# --------------------------------------------------------------------------
# median_time


@MEDIAN
@pytest.mark.weight(2)
def test_calls_func_exactly_warmup_plus_repeat_times(student):
    """calls func exactly warmup + repeat times"""
    for repeat, warmup in ((1, 0), (3, 1), (4, 2), (5, 0), (2, 3)):
        func, calls = counting()
        call_student(student.median_time, func, repeat=repeat, warmup=warmup)
        assert len(calls) == repeat + warmup, (
            f"median_time(func, repeat={repeat}, warmup={warmup}) called func "
            f"{len(calls)} times; it should call it {repeat + warmup} times"
        )


@MEDIAN
@pytest.mark.weight(2)
def test_returns_the_median_of_the_timed_calls(student):
    """returns the median of the timed calls, measured with time.perf_counter"""
    # Two warm-up calls, then calls that take 5 s, 1 s and 2 s of (fake) time.
    result, calls = _median_with_fake_clock(student, [40.0, 30.0, 5.0, 1.0, 2.0], 3, 2)
    assert len(calls) == 5, f"func was called {len(calls)} times instead of 5"
    # Exactly a float: a subclass could make == (even with pytest.approx) say anything.
    _seconds(result)
    if result < 1e-3:
        pytest.fail(
            f"returned {result!r}: the calls took 5, 1 and 2 s by time.perf_counter(). "
            "Time each call with time.perf_counter()",
            pytrace=False,
        )
    assert _about(result, 2.0), (
        f"timed calls took 5, 1 and 2 s, so the median is 2 s; got {result!r}"
        + (" (that is the mean)" if _about(result, 8 / 3) else "")
        + (" (that is the fastest)" if _about(result, 1.0) else "")
    )


@MEDIAN
def test_median_resists_one_slow_outlier(student):
    """one very slow call does not move the median"""
    result, _ = _median_with_fake_clock(student, [0.0, 1.0, 1.0, 90.0, 1.0, 1.0], 5, 1)
    assert _about(_seconds(result), 1.0), (
        f"calls took 1, 1, 90, 1, 1 s; the median is 1 s but got {result!r}"
    )


@MEDIAN
def test_even_repeat_averages_the_two_middle_times(student):
    """with an even repeat, the median is the mean of the two middle times"""
    result, _ = _median_with_fake_clock(student, [4.0, 1.0, 3.0, 10.0], 4, 0)
    assert _about(_seconds(result), 3.5), (
        f"calls took 4, 1, 3 and 10 s; the median of an even number of values is the "
        f"mean of the middle two, 3.5 s; got {result!r}"
    )


@MEDIAN
@pytest.mark.weight(2)
def test_warmup_calls_are_not_timed(student):
    """leaves the warm-up calls out of the median"""
    result, calls = _median_with_fake_clock(student, [100.0, 100.0, 100.0, 2.0, 3.0, 4.0], 3, 3)
    assert len(calls) == 6, f"func was called {len(calls)} times instead of 6"
    assert _about(_seconds(result), 3.0), (
        "the three warm-up calls took 100 s each and the timed ones 2, 3 and 4 s, so the "
        f"answer is 3 s; got {result!r}: leave the warm-up calls out"
    )


@MEDIAN
def test_rejects_bad_arguments_before_calling(student):
    """raises ValueError for repeat < 1 or warmup < 0, without calling func"""
    for repeat, warmup in ((0, 1), (-2, 0), (3, -1)):
        func, calls = counting()
        # pytest.raises goes by the real class, which a __class__ property can't fake.
        with pytest.raises(ValueError):  # noqa: PT011 - any message will do
            call_student(student.median_time, func, repeat=repeat, warmup=warmup, expect=ValueError)
        assert not calls, (
            f"median_time(func, repeat={repeat}, warmup={warmup}) called func before "
            "raising: check the arguments first"
        )


@MEDIAN
def test_real_sleeps_measure_about_right(student):
    """measures real calls: a 30 ms sleep takes about 30 ms"""
    result = call_student(student.median_time, lambda: time.sleep(0.03), repeat=3, warmup=1)
    assert 0.025 <= _seconds(result) <= 0.5, f"a 30 ms sleep measured {result!r} s"


# --------------------------------------------------------------------------
# classify_workload


def _classify_fake(student, wall, cpu):
    clock = FakeClock()
    calls = []

    def work(*args):
        calls.append(args)
        if len(calls) > MAX_CALLS:
            raise RuntimeError("func was called too many times: an endless loop?")
        clock.spend(wall, cpu)

    with fake_clocks(student, clock):
        verdict = call_student(student.classify_workload, work, "x", 2)
    assert same(calls, [("x", 2)]), (
        f"classify_workload(func, 'x', 2) made the calls {safe_repr(calls)}; "
        "it should call func('x', 2) exactly once"
    )
    return verdict


def _verdict(verdict):
    """Fail unless `verdict` is exactly the str 'cpu' or 'io'; return it.

    The exact type first: `in` and == would let a str subclass say yes to anything.
    """
    if type(verdict) is not str or verdict not in ("cpu", "io"):
        pytest.fail(f"should return 'cpu' or 'io', not {safe_repr(verdict)}", pytrace=False)
    return verdict


def _check_verdict(verdict, expected, wall, cpu):
    _verdict(verdict)
    assert verdict == expected, (
        f"a call that took {wall:g} s, of which {cpu:g} s on the CPU in the calling thread "
        f"(time.thread_time), is {expected!r}; got {verdict!r}"
    )


@CLASSIFY
@pytest.mark.weight(2)
def test_busy_call_is_cpu(student):
    """a call that keeps the thread on the CPU all the time is 'cpu'"""
    _check_verdict(_classify_fake(student, 1.0, 0.95), "cpu", 1.0, 0.95)


@CLASSIFY
@pytest.mark.weight(2)
def test_waiting_call_is_io(student):
    """a call that mostly waits is 'io'"""
    _check_verdict(_classify_fake(student, 1.0, 0.02), "io", 1.0, 0.02)


@CLASSIFY
def test_some_cpu_but_mostly_waiting_is_io(student):
    """a call with some CPU time, but less than half, is 'io'"""
    _check_verdict(_classify_fake(student, 2.0, 0.6), "io", 2.0, 0.6)


@CLASSIFY
def test_some_waiting_but_mostly_cpu_is_cpu(student):
    """a call on the CPU for more than half the time is 'cpu'"""
    _check_verdict(_classify_fake(student, 2.0, 1.4), "cpu", 2.0, 1.4)


@CLASSIFY
def test_long_and_short_calls_are_judged_by_share_not_length(student):
    """judges the share of CPU time, not how long the call took"""
    _check_verdict(_classify_fake(student, 30.0, 0.1), "io", 30.0, 0.1)
    _check_verdict(_classify_fake(student, 0.002, 0.0019), "cpu", 0.002, 0.0019)


@CLASSIFY
def test_real_sleep_is_io(student):
    """a real time.sleep is 'io', with the real clocks"""
    verdict = call_student(student.classify_workload, time.sleep, 0.05)
    _check_verdict(verdict, "io", 0.05, 0.0)


@CLASSIFY
def test_other_threads_cpu_time_does_not_count(student):
    """a busy background thread does not make a sleeping call look CPU-bound"""
    stop = threading.Event()

    def spin():
        x = 0
        while not stop.is_set():
            x = (x + 1) % 1000

    busy = threading.Thread(target=spin, daemon=True)
    busy.start()
    try:
        verdict = call_student(student.classify_workload, time.sleep, 0.15)
    finally:
        stop.set()
        busy.join(2)
    assert _verdict(verdict) == "io", (
        f"got {verdict!r} for a 0.15 s sleep while another thread was busy: measure the "
        "CPU time of the calling thread (time.thread_time), not of the whole process"
    )
