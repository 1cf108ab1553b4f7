"""Hidden tests for 04_gil: median_time and classify_workload.

Timing code is tested with clocks the test owns: while the student's function
runs, time.perf_counter, time.thread_time and time.process_time are replaced by
a fake clock that moves only when the test's workload says so. The wall clock
is shared by all threads; the CPU clock is kept per thread, as the real
thread_time is, and process_time adds up every thread, including a busy
background thread that exists only in the fake clock. A call then "takes"
exactly the seconds the test chose, so medians and verdicts are checked exactly
and a busy machine cannot change them. Durations are fractions of a second
(binary fractions where a verdict sits exactly on the threshold, so that the
float arithmetic is exact). Two checks use the real clocks, with loose bounds
only, and with a fake process_time whenever the verdict of a wrong solution
would otherwise depend on what other threads do.
"""

import contextlib
import sys
import threading
import time
import types

import pytest

from autograder import testing
from autograder.suites._trust import close, fail_for, real_isinstance, safe_repr, same, type_name

#: The fake clocks patch the time module (and timeit's default timer, which is
#: time.perf_counter bound at import): the seal must not count that as tampering.
LIBRARY_WRITES = ("time", "timeit")

MEDIAN = testing.Exercise("median_time")
CLASSIFY = testing.Exercise("classify_workload")


class FakeClock:
    """A shared wall clock and per-thread CPU clocks that advance only when `spend` is called."""

    def __init__(self, wall=1000.0, cpu=50.0):
        self.wall = wall
        self.cpu_base = cpu  # what thread_time() says before a thread has spent anything
        self.cpu = {}  # thread ident -> CPU seconds spent in that thread
        self.others = 0.0  # CPU seconds of background threads that exist only here

    def perf_counter(self):
        return self.wall

    def thread_time(self):
        return self.cpu_base + self.cpu.get(threading.get_ident(), 0.0)

    def process_time(self):
        return 80.0 + sum(self.cpu.values()) + self.others

    def spend(self, wall, cpu=0.0, others=0.0):
        """Let `wall` seconds pass; the calling thread was on a CPU for `cpu` of them."""
        me = threading.get_ident()
        self.wall += wall
        self.cpu[me] = self.cpu.get(me, 0.0) + cpu
        self.others += others


_CLOCKS = ("perf_counter", "thread_time", "process_time")


@contextlib.contextmanager
def fake_clocks(student, clock):
    """Replace the time module's clocks, wherever the student took them from."""
    real = {attr: getattr(time, attr) for attr in _CLOCKS}
    fake = {attr: getattr(clock, attr) for attr in _CLOCKS}
    namespace = student._mapping
    # `from time import perf_counter` in a cell binds the real function to a name.
    rebound = {
        name: value
        for name, value in list(namespace.items())
        if any(value is fn for fn in real.values())
    }
    # timeit times with time.perf_counter, bound when timeit was imported (its
    # default_timer, and the defaults of Timer, timeit and repeat).
    timeit = sys.modules.get("timeit")
    defaults = []
    if timeit is not None:
        for fn in (timeit.Timer.__init__, timeit.timeit, timeit.repeat):
            old = fn.__defaults__
            if old and any(d is real["perf_counter"] for d in old):
                defaults.append((fn, old))
    try:
        for attr, fn in fake.items():
            setattr(time, attr, fn)
        for name, value in rebound.items():
            attr = next(a for a, fn in real.items() if fn is value)
            namespace[name] = fake[attr]
        if timeit is not None and timeit.default_timer is real["perf_counter"]:
            timeit.default_timer = clock.perf_counter
        for fn, old in defaults:
            fn.__defaults__ = tuple(
                clock.perf_counter if d is real["perf_counter"] else d for d in old
            )
        yield clock
    finally:
        for attr, fn in real.items():
            setattr(time, attr, fn)
        for name, value in rebound.items():
            namespace[name] = value
        if timeit is not None and timeit.default_timer is clock.perf_counter:
            timeit.default_timer = real["perf_counter"]
        for fn, old in defaults:
            fn.__defaults__ = old


@contextlib.contextmanager
def busy_neighbour(student):
    """Make time.process_time count a background thread that is always on a CPU.

    The real clocks stay; process_time alone says that some other thread of the
    process used one CPU all the time, whatever the machine really does.
    """
    real_thread, real_wall = time.thread_time, time.perf_counter

    def process_time():
        return real_thread() + real_wall()

    with testing.swapped(time, "process_time", process_time, testing.student_spaces(student)):
        yield


#: More calls than any test needs: a student's endless loop stops here, not in memory.
MAX_CALLS = 1000


class Calls:
    """The calls a test's func received: which thread made each, and whether two overlapped."""

    def __init__(self):
        self.threads = []
        self.args = []
        self.active = 0
        self.overlapped = False

    def __len__(self):
        return len(self.threads)

    def enter(self, args):
        k = len(self.threads)
        if k >= MAX_CALLS:
            raise RuntimeError(f"func was called more than {MAX_CALLS} times: an endless loop?")
        self.threads.append(threading.get_ident())
        self.args.append(args)
        self.active += 1
        if self.active > 1:
            self.overlapped = True
        return k

    def leave(self):
        self.active -= 1


def counting(clock=None, durations=()):
    """Return func() whose k-th call takes durations[k] fake seconds; and its Calls."""
    calls = Calls()

    def func():
        k = calls.enter(())
        try:
            if clock is not None:
                clock.spend(durations[k] if k < len(durations) else 0.0)
        finally:
            calls.leave()

    return func, calls


def _name(func):
    """The name of a plain function (whose __name__ cannot lie), else a description."""
    return func.__name__ if type(func) is types.FunctionType else "the function"


def call_student(func, *args, timeout=1.5, expect=None, caller=None, **kwargs):
    """Call student code in a helper thread; fail the test if it does not return in time.

    The test's own thread stays free, so the clocks it patched are always put back.
    A call that does not return is charged to the exercise's stuck budget (the
    harness's), after which later tests fail at once. An exception of a class in
    `expect` (by its real class) is raised for the test to catch; any other fails
    the test with a guarded description. The ident of the thread that calls the
    student's function is appended to `caller`, if given.
    """

    def run():
        if caller is not None:
            caller.append(threading.get_ident())
        return func(*args, **kwargs)

    value = testing.call_student(run, timeout=timeout, what=f"{_name(func)}()")
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
    """Tell whether a float is `expected`, within a relative millionth."""
    return close(result, expected, rel=1e-6, abs=1e-12)


def _median_with_fake_clock(student, durations, repeat, warmup, caller=None):
    clock = FakeClock()
    func, calls = counting(clock, durations)
    with fake_clocks(student, clock):
        result = call_student(
            student.median_time, func, repeat=repeat, warmup=warmup, caller=caller
        )
    return result, calls


def _ms(values):
    return ", ".join(f"{v * 1000:g}" for v in values) + " ms"


# --------------------------------------------------------------------------
# median_time


@MEDIAN("exactly `warmup + repeat` times", weight=2)
def test_calls_func_exactly_warmup_plus_repeat_times(student):
    """calls func exactly warmup + repeat times, and 6 times with the default arguments"""
    for repeat, warmup in ((1, 0), (3, 1), (4, 2), (5, 0), (2, 3)):
        func, calls = counting()
        call_student(student.median_time, func, repeat=repeat, warmup=warmup)
        assert len(calls) == repeat + warmup, (
            f"median_time(func, repeat={repeat}, warmup={warmup}) called func "
            f"{len(calls)} times; it should call it {repeat + warmup} times"
        )
    # The defaults given in the signature: repeat=5, warmup=1.
    func, calls = counting()
    call_student(student.median_time, func)
    assert len(calls) == 6, (
        f"median_time(func) called func {len(calls)} times; with the defaults in the "
        "signature (repeat=5, warmup=1) it should call it 6 times"
    )


@MEDIAN("exactly `warmup + repeat` times")
def test_calls_func_in_the_calling_thread_one_at_a_time(student):
    """calls func in the thread that called median_time, one call after another"""
    caller = []
    _, calls = _median_with_fake_clock(student, [0.25, 0.5, 0.125, 0.375], 3, 1, caller)
    assert len(calls) == 4, f"func was called {len(calls)} times instead of 4"
    assert not calls.overlapped, (
        "two calls of func ran at the same time: make the calls one after another"
    )
    others = sum(1 for ident in calls.threads if ident != caller[0])
    assert not others, (
        f"{others} of the 4 calls of func ran in another thread than the one that called "
        "median_time: call func() yourself, in the calling thread"
    )


@MEDIAN("Time each of the other `repeat` calls with `time.perf_counter()`", weight=2)
def test_returns_the_median_of_the_timed_calls(student):
    """returns the median of the timed calls, measured with time.perf_counter"""
    timed = [0.0052, 0.0013, 0.0027]
    # Two warm-up calls of 40 and 30 s, then the timed calls.
    result, calls = _median_with_fake_clock(student, [40.0, 30.0, *timed], 3, 2)
    assert len(calls) == 5, f"func was called {len(calls)} times instead of 5"
    # Exactly a float: a subclass could make == (even with pytest.approx) say anything.
    _seconds(result)
    if result < 1e-5:
        pytest.fail(
            f"returned {result!r}: the calls took {_ms(timed)} by time.perf_counter(). "
            "Time each call with time.perf_counter()",
            pytrace=False,
        )
    assert _about(result, 0.0027), (
        f"timed calls took {_ms(timed)}, so the median is 2.7 ms (0.0027 s); got {result!r}"
        + (" (that is the mean)" if _about(result, 0.0092 / 3) else "")
        + (" (that is the fastest)" if _about(result, 0.0013) else "")
        + (" (rounded?)" if abs(result - 0.0027) < 0.001 else "")
    )


@MEDIAN("The first `warmup` calls are not part of the result.")
def test_takes_repeat_then_warmup_by_position(student):
    """takes repeat and warmup by position too, in the signature's order: median_time(func, 3, 2)"""
    clock = FakeClock()
    timed = [0.0052, 0.0013, 0.0027]
    func, calls = counting(clock, [40.0, 30.0, *timed])
    with fake_clocks(student, clock):
        result = call_student(student.median_time, func, 3, 2)
    assert len(calls) == 5, f"median_time(func, 3, 2) called func {len(calls)} times, not 5"
    assert _about(_seconds(result), 0.0027), (
        f"median_time(func, 3, 2) is repeat=3, warmup=2: two warm-up calls of 40 and 30 s, "
        f"then calls of {_ms(timed)}, whose median is 0.0027 s; got {result!r}. Keep the "
        "parameters in the order of the signature, median_time(func, repeat=5, warmup=1)"
    )


@MEDIAN("return the median of those times, in seconds, as a float")
def test_short_times_are_not_rounded(student):
    """returns the median of calls shorter than a microsecond as it is, not rounded"""
    # Multiples of 2**-24 s (about 60 ns): exact on the fake clock, so the median is too.
    tick = 2.0**-24
    timed = [3 * tick, tick, 2 * tick]
    result, _ = _median_with_fake_clock(student, timed, 3, 0)
    assert _about(_seconds(result), 2 * tick), (
        f"calls took {', '.join(f'{t * 1e9:.1f}' for t in timed)} ns, so the median is "
        f"{2 * tick!r} s; got {result!r}: return the median itself, not a rounded value"
    )


@MEDIAN("Time each of the other `repeat` calls with `time.perf_counter()`")
def test_median_resists_one_slow_outlier(student):
    """one very slow call does not move the median"""
    timed = [0.0314, 0.0311, 9.0, 0.0318, 0.0316]
    result, _ = _median_with_fake_clock(student, [0.5, *timed], 5, 1)
    assert _about(_seconds(result), 0.0316), (
        f"calls took {_ms(timed)}; the median is 31.6 ms (0.0316 s) but got {result!r}"
    )


@MEDIAN("With an even number of times, the median is the mean of the middle two")
def test_even_repeat_averages_the_two_middle_times(student):
    """with an even repeat, the median is the mean of the two middle times"""
    timed = [0.0041, 0.0012, 0.0034, 0.0107]
    result, _ = _median_with_fake_clock(student, timed, 4, 0)
    assert _about(_seconds(result), 0.00375), (
        f"calls took {_ms(timed)}; the median of an even number of values is the "
        f"mean of the middle two, 3.75 ms (0.00375 s); got {result!r}"
    )


@MEDIAN("The first `warmup` calls are not part of the result.", weight=2)
def test_warmup_calls_are_not_timed(student):
    """leaves the warm-up calls out of the median"""
    durations = [100.0, 100.0, 100.0, 0.0225, 0.0375, 0.0125]
    result, calls = _median_with_fake_clock(student, durations, 3, 3)
    assert len(calls) == 6, f"func was called {len(calls)} times instead of 6"
    assert _about(_seconds(result), 0.0225), (
        "the three warm-up calls took 100 s each and the timed ones 22.5, 37.5 and 12.5 ms, "
        f"so the answer is 0.0225 s; got {result!r}: leave the warm-up calls out"
    )


@MEDIAN("If `repeat < 1` or `warmup < 0`, raise `ValueError` without calling `func` at all.")
def test_rejects_bad_arguments_before_calling(student):
    """raises ValueError for repeat < 1 or warmup < 0, without calling func"""
    for repeat, warmup in ((0, 1), (-2, 0), (3, -1)):
        func, calls = counting()
        # pytest.raises goes by the real class, which a __class__ property can't fake.
        with pytest.raises(ValueError):  # noqa: PT011 - any message will do
            call_student(student.median_time, func, repeat=repeat, warmup=warmup, expect=ValueError)
        assert not len(calls), (
            f"median_time(func, repeat={repeat}, warmup={warmup}) called func before "
            "raising: check the arguments first"
        )


@MEDIAN("return the median of those times, in seconds, as a float")
def test_real_sleeps_measure_about_right(student):
    """measures real calls: a 30 ms sleep takes about 30 ms"""
    result = call_student(student.median_time, lambda: time.sleep(0.03), repeat=3, warmup=1)
    assert 0.025 <= _seconds(result) <= 0.5, f"a 30 ms sleep measured {result!r} s"


# --------------------------------------------------------------------------
# classify_workload


def _classify_fake(student, wall, cpu, others=0.0, caller=None, clock=None):
    """Classify a call that takes `wall` fake seconds, `cpu` of them on a CPU; return the verdict.

    `others` is CPU time that other threads of the process use meanwhile.
    """
    clock = clock or FakeClock()
    calls = Calls()

    def work(*args):
        calls.enter(args)
        try:
            clock.spend(wall, cpu, others)
        finally:
            calls.leave()

    with fake_clocks(student, clock):
        verdict = call_student(student.classify_workload, work, "x", 2, caller=caller)
    assert same(calls.args, [("x", 2)]), (
        f"classify_workload(func, 'x', 2) made the calls {safe_repr(calls.args)}; "
        "it should call func('x', 2) exactly once"
    )
    return verdict, calls


def _verdict(verdict):
    """Fail unless `verdict` is exactly the str 'cpu' or 'io'; return it.

    The exact type first: `in` and == would let a str subclass say yes to anything.
    """
    if type(verdict) is not str or verdict not in ("cpu", "io"):
        pytest.fail(f"should return 'cpu' or 'io', not {safe_repr(verdict)}", pytrace=False)
    return verdict


def _check(student, wall, cpu, expected, clock=None):
    verdict, _ = _classify_fake(student, wall, cpu, clock=clock)
    _verdict(verdict)
    assert verdict == expected, (
        f"a call that took {wall:g} s, of which {cpu:g} s on the CPU in the calling thread "
        f"(time.thread_time), a share of {cpu / wall:.4g}, is {expected!r}; got {verdict!r}"
    )


@CLASSIFY('Return `"cpu"` if the thread was on the CPU for at least half', weight=2)
def test_busy_call_is_cpu(student):
    """a call that keeps the thread on the CPU all the time is 'cpu'"""
    _check(student, 1.0, 0.95, "cpu")


@CLASSIFY(
    'Return `"cpu"` if the thread was on the CPU for at least half',
    "measure the wall-clock time with `time.perf_counter()`",
    weight=2,
)
def test_waiting_call_is_io(student):
    """a call that mostly waits is 'io'"""
    # Timed with another clock than time.perf_counter, the fake second of waiting is
    # lost: the wall time looks like 0 and any CPU time like "at least half".
    _check(student, 1.0, 0.02, "io")


@CLASSIFY('Return `"cpu"` if the thread was on the CPU for at least half')
def test_exactly_half_is_cpu(student):
    """a call on the CPU for exactly half of its time is 'cpu' (at least half)"""
    # Binary fractions: 1000.25 - 1000.0 and 50.125 - 50.0 are exact, so is the share.
    _check(student, 0.25, 0.125, "cpu")
    # Exactly half again, in times that are no binary fractions, on clocks that start at 0
    # (so each time is read exactly): cpu / wall is 0.5, but 100 * cpu / wall is not 50.
    cpu = 0.3818230334505242
    _check(student, 2 * cpu, cpu, "cpu", clock=FakeClock(wall=0.0, cpu=0.0))


@CLASSIFY('Return `"cpu"` if the thread was on the CPU for at least half')
def test_just_under_half_is_io(student):
    """a call on the CPU for a little less than half of its time is 'io'"""
    _check(student, 0.5, 0.2421875, "io")  # a share of 0.484375
    _check(student, 1.0, 0.4990234375, "io")  # 511/1024: rounded to two places, it is 0.5


@CLASSIFY('Return `"cpu"` if the thread was on the CPU for at least half')
def test_just_over_half_is_cpu(student):
    """a call on the CPU for a little more than half of its time is 'cpu'"""
    _check(student, 0.5, 0.2578125, "cpu")  # a share of 0.515625


@CLASSIFY('Return `"cpu"` if the thread was on the CPU for at least half')
def test_long_and_short_calls_are_judged_by_share_not_length(student):
    """judges the share of CPU time, not how long the call took"""
    _check(student, 30.0, 0.1, "io")
    _check(student, 0.002, 0.0019, "cpu")


@CLASSIFY("Call `func(*args)` exactly once, in the calling thread.")
def test_calls_func_once_in_the_calling_thread(student):
    """calls func(*args) once, in the thread that called classify_workload"""
    # A short call (0.25 ms) too: timing it again would be calling it more than once.
    for wall, cpu in ((0.375, 0.25), (0.000244140625, 0.0001220703125)):
        caller = []
        verdict, calls = _classify_fake(student, wall, cpu, caller=caller)
        assert calls.threads == caller, (
            "func ran in another thread than the one that called classify_workload: "
            "call it yourself, in the calling thread (time.thread_time measures that thread)"
        )
        assert _verdict(verdict) == "cpu", (
            f"a call that took {wall:g} s, {cpu:g} s of it on the CPU, is 'cpu'; got {verdict!r}"
        )


@CLASSIFY("the CPU time of the calling thread with `time.thread_time()`")
def test_other_threads_cpu_time_does_not_count(student):
    """a busy background thread does not make a waiting call look CPU-bound"""
    # Fake clocks: while the call waits 0.5 s, another thread of the process is on a
    # CPU the whole time. Only process_time sees it; thread_time does not.
    verdict, _ = _classify_fake(student, 0.5, 0.0078125, others=0.5)
    assert _verdict(verdict) == "io", (
        f"got {verdict!r} for a call that waited while another thread was busy: measure the "
        "CPU time of the calling thread (time.thread_time), not of the whole process"
    )


@CLASSIFY("measure the wall-clock time with `time.perf_counter()`")
def test_real_sleep_is_io(student):
    """a real time.sleep is 'io', with the real clocks"""
    # The real clocks, except that process_time counts a neighbour thread that is always
    # busy: whether a real one got a CPU would depend on the machine's load.
    with busy_neighbour(student):
        verdict = call_student(student.classify_workload, time.sleep, 0.05)
    assert _verdict(verdict) == "io", (
        f"got {verdict!r} for time.sleep(0.05), which waits: measure the wall-clock time "
        "with time.perf_counter() and the CPU time of this thread with time.thread_time()"
    )
