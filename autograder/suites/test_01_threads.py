"""Hidden tests for 01_threads: run_in_threads and Heartbeat.

Orderings are forced with events, never hoped for with sleeps: call i of
run_in_threads waits until call i+1 has finished, so completion order is the
reverse of input order whenever the calls really run concurrently.
"""

import threading
import time

import pytest

from autograder.suites._trust import fail_for, safe_repr, same, type_name, why_not_same
from autograder.testing import ThreadWatch, call_with_deadline, thread_name, wait_until

#: One test patches threading.excepthook: the seal must not count that as tampering.
LIBRARY_WRITES = ("threading",)

RUN = pytest.mark.exercise("run_in_threads")
BEAT = pytest.mark.exercise("heartbeat")


def _reverse_finisher(n):
    """Return func(i) that finishes only after call i+1 has (falls back after 0.5 s)."""
    done = [threading.Event() for _ in range(n)]
    order = []

    def func(i):
        if i + 1 < n:
            done[i + 1].wait(0.5)
        order.append(i)
        done[i].set()
        return i * i

    return func, order


# --------------------------------------------------------------------------
# run_in_threads


@RUN
@pytest.mark.weight(2)
def test_results_come_back_in_input_order(student):
    """returns results in input order, even when later calls finish first"""
    func, order = _reverse_finisher(6)
    results = student.run_in_threads(func, [(i,) for i in range(6)])
    # Exact types first: a list subclass can make == say anything.
    assert type(results) is list, f"should return a list, not {type_name(results)}"
    assert same(results, [i * i for i in range(6)]), (
        f"expected [0, 1, 4, 9, 16, 25] but got {safe_repr(results)}; "
        f"the calls finished in the order {order}. Store each result at its input's index."
    )


@RUN
@pytest.mark.weight(2)
def test_calls_run_concurrently(student):
    """runs every call in its own thread, all at the same time"""
    n = 8
    barrier = threading.Barrier(n, timeout=1.5)
    callers = set()
    main = threading.get_ident()

    def meet(i):
        callers.add(threading.get_ident())
        barrier.wait()  # only passes once all n calls are running together
        return i

    try:
        results = student.run_in_threads(meet, [(i,) for i in range(n)])
    except threading.BrokenBarrierError:
        pytest.fail(
            f"the {n} calls never ran at the same time: start every thread before joining any",
            pytrace=False,
        )
    assert same(results, list(range(n))), (
        f"expected the list {list(range(n))}: {why_not_same(results, list(range(n)))}"
    )
    assert main not in callers, "a call ran in the calling thread: run every call in a new thread"
    assert len(callers) == n, f"{n} calls ran in only {len(callers)} distinct threads"


@RUN
def test_ten_sleeps_overlap(student):
    """ten calls that sleep 0.2 s each finish in well under 2 s"""
    start = time.perf_counter()
    student.run_in_threads(time.sleep, [(0.2,)] * 10)
    elapsed = time.perf_counter() - start
    # A loose ratio: serial would take 2 s, overlapped takes about 0.2 s.
    assert elapsed < 1.0, f"took {elapsed:.2f} s; the sleeps did not overlap"


@RUN
def test_passes_arguments_unpacked(student):
    """calls func(*args) for each tuple, including empty and multi-argument tuples"""
    results = student.run_in_threads(lambda *a: a, [(), (1,), (1, 2, 3)])
    assert same(results, [(), (1,), (1, 2, 3)]), (
        f"expected [(), (1,), (1, 2, 3)], got {safe_repr(results)}: call func(*args)"
    )
    empty = student.run_in_threads(pow, [])
    assert same(empty, []), f"no tuples should give an empty list, not {safe_repr(empty)}"


@RUN
def test_hands_back_the_very_objects_returned(student):
    """returns the objects the calls returned, not copies or look-alikes"""
    tokens = [object() for _ in range(4)]
    results = student.run_in_threads(tokens.__getitem__, [(i,) for i in range(4)])
    assert same(results, tokens), (
        f"expected the calls' own return values: {why_not_same(results, tokens)}"
    )


@RUN
def test_waits_for_every_thread(student):
    """returns only after every call has finished, leaving no thread behind"""
    watch = ThreadWatch()
    finished = []

    def slow(i):
        time.sleep(0.05 * i)
        finished.append(i)
        return i

    student.run_in_threads(slow, [(i,) for i in range(4)])
    assert sorted(finished) == [0, 1, 2, 3], (
        f"returned before every call had finished (finished: {sorted(finished)}): join every thread"
    )
    left = watch.settle(0.2)
    assert not left, f"threads still running after return: {[thread_name(t) for t in left]}"


@RUN
@pytest.mark.weight(2)
def test_reraises_first_exception_in_input_order(student):
    """re-raises the first failing call's exception (in input order), after all calls end"""
    raised_late = threading.Event()
    finished = []

    def func(i):
        if i == 1:
            raised_late.wait(1.0)  # call 3 raises first in time
            raise KeyError("from call 1")
        if i == 3:
            try:
                raise ValueError("from call 3")
            finally:
                raised_late.set()
        if i == 4:
            time.sleep(0.2)
        finished.append(i)
        return i

    raised = {}

    def recorded(i):
        try:
            return func(i)
        except BaseException as exc:
            raised[i] = exc
            raise

    with pytest.raises(Exception) as info:  # noqa: PT011 - we check the type below
        student.run_in_threads(recorded, [(i,) for i in range(5)])
    exc = info.value
    # The very exception call 1 raised: a look-alike could fake its type or ==.
    assert exc is raised.get(1), (
        f"expected the KeyError from call 1 (first in input order), got {safe_repr(exc)}"
    )
    assert 4 in finished, "raised before the slow call 4 had finished: join every thread first"


@RUN
def test_exceptions_do_not_escape_the_threads(student):
    """catches each call's exception in its thread rather than letting the thread die"""
    escaped = []
    old = threading.excepthook
    threading.excepthook = escaped.append
    try:
        with pytest.raises(ZeroDivisionError) as info:
            student.run_in_threads(lambda x: 1 / x, [(1,), (0,)])
    finally:
        threading.excepthook = old
    assert type(info.value) is ZeroDivisionError, (
        f"expected the ZeroDivisionError that 1 / 0 raised, got {safe_repr(info.value)}"
    )
    assert not escaped, (
        "an exception escaped a thread (Python printed its traceback to stderr): "
        "catch it in the thread and re-raise it in the caller"
    )


# --------------------------------------------------------------------------
# Heartbeat


def _started(student, interval, callback):
    hb = student.Heartbeat(interval, callback)
    # type(), not isinstance(): a __class__ property fools isinstance.
    assert issubclass(type(hb), threading.Thread), "Heartbeat must be a threading.Thread subclass"
    hb.start()
    return hb


def _stop(hb, timeout=1.0):
    finished, value = call_with_deadline(hb.stop, timeout=timeout)
    if not finished:
        pytest.fail(f"stop() did not return within {timeout:g} s", pytrace=False)
    fail_for(value, "stop()")


@BEAT
def test_is_a_daemon_thread(student):
    """is a daemon Thread, so it never keeps the program alive"""
    # Build it in a non-daemon thread, as a notebook's main thread is: a Thread
    # made without daemon=True inherits the daemon flag of the thread making it.
    made = []
    maker = threading.Thread(
        target=lambda: made.append(student.Heartbeat(1.0, lambda: None)), daemon=False
    )
    maker.start()
    maker.join(2.0)
    assert made, "Heartbeat(1.0, callback) did not return"
    hb = made[0]
    assert issubclass(type(hb), threading.Thread), "Heartbeat must subclass threading.Thread"
    # Thread's own property, not one the subclass may have overridden to say yes.
    assert threading.Thread.daemon.fget(hb) is True, (
        "Heartbeat should be a daemon thread: pass daemon=True to Thread.__init__"
    )


@BEAT
@pytest.mark.weight(2)
def test_calls_back_about_every_interval(student):
    """calls callback() about once per interval until stopped"""
    calls = []
    hb = _started(student, 0.05, lambda: calls.append(time.monotonic()))
    try:
        assert wait_until(lambda: len(calls) >= 3, timeout=2.0), (
            f"callback was called {len(calls)} times in 2 s with interval 0.05 s"
        )
        time.sleep(0.3)
    finally:
        _stop(hb)
    gaps = [b - a for a, b in zip(calls, calls[1:], strict=False)]
    gaps.sort()
    median = gaps[len(gaps) // 2]
    # Loose bounds: about the interval, not a busy loop and not a stall.
    assert 0.02 <= median <= 0.25, (
        f"median gap between calls was {median * 1000:.1f} ms with interval 50 ms"
    )


@BEAT
def test_callback_runs_in_the_heartbeat_thread(student):
    """calls callback() from the heartbeat thread itself"""
    seen = []
    hb = _started(student, 0.01, lambda: seen.append(threading.current_thread()))
    try:
        assert wait_until(lambda: seen, timeout=2.0), "callback was never called"
    finally:
        _stop(hb)
    assert seen[0] is hb, f"callback ran in {thread_name(seen[0])!r}, not in the Heartbeat thread"


@BEAT
@pytest.mark.weight(2)
def test_stop_returns_quickly_with_a_long_interval(student):
    """stop() returns within 0.2 s even when the interval is 10 s"""
    hb = _started(student, 10.0, lambda: None)
    time.sleep(0.05)
    start = time.perf_counter()
    _stop(hb)
    elapsed = time.perf_counter() - start
    # The contract says 0.2 s; allow slack for a loaded machine. A stop()
    # that sleeps out the interval takes 10 s and fails either way.
    assert elapsed < 0.5, (
        f"stop() took {elapsed:.2f} s: wait on an Event with a timeout instead of time.sleep"
    )


@BEAT
@pytest.mark.weight(2)
def test_thread_has_ended_when_stop_returns(student):
    """when stop() returns, the thread has ended, even if a callback was running"""
    in_callback = threading.Event()

    def slow_callback():
        in_callback.set()
        time.sleep(0.15)

    hb = _started(student, 0.01, slow_callback)
    assert in_callback.wait(2.0), "callback was never called"
    _stop(hb)
    # Thread's own is_alive: a subclass could override it to say no.
    assert not threading.Thread.is_alive(hb), (
        "the thread was still running when stop() returned: join it"
    )


@BEAT
def test_no_calls_after_stop(student):
    """callback() is never called after stop() returns"""
    calls = []
    hb = _started(student, 0.01, lambda: calls.append(1))
    assert wait_until(lambda: calls, timeout=2.0), "callback was never called"
    _stop(hb)
    count = len(calls)
    time.sleep(0.1)
    assert len(calls) == count, f"callback was called {len(calls) - count} times after stop()"
