"""Hidden tests for 01_threads: run_in_threads, Heartbeat, run_with_deadline and PerThread.

Orderings are forced with events, never hoped for with sleeps: call i of
run_in_threads waits until call i+1 has finished, so completion order is the
reverse of input order whenever the calls really run concurrently. Where the
contract says "waits, however long it takes", the test holds the student's
code blocked on an event of its own for 1.5 s, longer than any timeout a
student would pass to join(), and only then lets it go.
"""

import contextlib
import gc
import os
import threading
import time

import pytest

from autograder.instruments import FastJoins, FastWaits
from autograder.suites._trust import fail_for, safe_repr, same, type_name, why_not_same
from autograder.testing import (
    Exercise,
    HeldAtExit,
    ThreadWatch,
    call_student,
    call_with_deadline,
    hold_until,
    student_spaces,
    swapped,
    thread_name,
    wait_until,
)

#: One test patches threading.excepthook, and FastWaits swaps queue.SimpleQueue and the
#: time module's clocks for one test: the seal must not count that as tampering.
LIBRARY_WRITES = ("threading", "queue", "time")

RUN = Exercise("run_in_threads")
BEAT = Exercise("heartbeat")
DEAD = Exercise("run_with_deadline")
PER = Exercise("per_thread")

#: Longer than any timeout a student might give join() "to be safe".
BLOCKED = 1.5


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


def _in_reverse(func, n):
    """Wrap func so that call(i, *args) returns func(*args) only after call i+1 has returned.

    Completion order is then the reverse of input order whenever the calls run
    concurrently (each waits at most 0.5 s, so serial code still ends).
    """
    done = [threading.Event() for _ in range(n)]

    def call(i, *args):
        try:
            if i + 1 < n:
                done[i + 1].wait(0.5)
            return func(*args)
        finally:
            done[i].set()

    return call


@contextlib.contextmanager
def _escapes():
    """Record what reaches threading.excepthook (an exception that escaped a thread) from a
    thread started while this is active.

    A thread left over from an earlier test is not this test's business: the harness stops
    such a thread by raising an exception in it, whenever it next runs Python code, which
    may be now. Its exception goes to the hook there was before.
    """
    escaped = []
    watch = ThreadWatch()
    old = threading.excepthook

    def hook(hook_args):
        if id(hook_args.thread) in watch.before:
            old(hook_args)
        else:
            escaped.append(hook_args.exc_value)

    threading.excepthook = hook
    try:
        yield escaped
    finally:
        threading.excepthook = old


def _outcome(func, *args):
    """Call func(*args); return ("value", result) or ("raised", exception)."""
    try:
        return "value", func(*args)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are results here
        return "raised", exc


def _returned_while_held(started, why_not_started, returned, release, name, held):
    """Wait for `started`, then hold the call for BLOCKED s by keeping `release` clear.

    Return True if `name` returned while it was held; fail if it does not return
    soon after `release` is set (when `held`, what it was waiting for, is over).
    """
    try:
        assert started.wait(2.5), why_not_started
        early = returned.wait(BLOCKED)
    finally:
        release.set()
    assert returned.wait(2.0), f"{name} did not return after {held}"
    return early


# --------------------------------------------------------------------------
# run_in_threads


# Calls run one after another wait out each 0.5 s fallback (2.5 s): give them the time,
# so that whether they pass does not depend on the machine's load.
@RUN("then return a plain `list` of the results in input order", weight=2, deadline=6)
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


@RUN("Start one thread per tuple", "Start all the threads before waiting", weight=2)
def test_calls_run_concurrently(student):
    """runs every call in its own thread, all forty at the same time"""
    # Forty, not a handful: code that starts the threads in batches and joins each batch
    # before starting the next (to cap the number of threads) never gets them all together.
    n = 40
    barrier = threading.Barrier(n, timeout=2.0)
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
            f"the {n} calls never ran at the same time: start every thread before joining "
            "any, all of them, not in batches",
            pytrace=False,
        )
    assert same(results, list(range(n))), (
        f"expected the list {list(range(n))}: {why_not_same(results, list(range(n)))}"
    )
    assert main not in callers, "a call ran in the calling thread: run every call in a new thread"
    assert len(callers) == n, f"{n} calls ran in only {len(callers)} distinct threads"


@RUN("Start all the threads before waiting")
def test_the_first_call_is_still_running_when_the_tenth_starts(student):
    """ten calls overlap: the first is still running when the tenth starts"""
    n = 10
    last_started = threading.Event()
    saw = []

    def call(i):
        if i == n - 1:
            last_started.set()
        if i == 0:
            # Held until the tenth call starts (or 1.5 s): code that waits for each call
            # before starting the next never gets there, whatever the machine's load.
            saw.append(last_started.wait(BLOCKED))
        return i

    results = student.run_in_threads(call, [(i,) for i in range(n)])
    # The order is another test's business: here the first call finishes last.
    assert type(results) is list and all(type(r) is int for r in results), (
        f"expected a list of the calls' results, got {safe_repr(results)}"
    )
    assert sorted(results) == list(range(n)), f"wrong results: {safe_repr(results)}"
    assert saw == [True], (
        f"the tenth call had not started {BLOCKED:g} s after the first had: "
        "start every thread before joining any"
    )


@RUN("each thread calls `func(*args)`")
def test_passes_arguments_unpacked(student):
    """calls func(*args) for each tuple, including empty and multi-argument tuples"""
    call = _in_reverse(lambda *a: a, 3)
    results = student.run_in_threads(call, [(0,), (1, 1), (2, 1, 2, 3)])
    assert same(results, [(), (1,), (1, 2, 3)]), (
        f"expected [(), (1,), (1, 2, 3)], got {safe_repr(results)}: call func(*args)"
    )


@RUN("An empty `arg_tuples` gives `[]`.")
def test_no_tuples_give_an_empty_list(student):
    """gives [] (a plain, new list) when there are no tuples"""
    empty = student.run_in_threads(pow, [])
    assert same(empty, []), f"no tuples should give an empty list, not {safe_repr(empty)}"


# calls run one after another take 3 s (see above)
@RUN("A result is the very object the call returned", weight=2, deadline=7)
def test_hands_back_the_very_objects_returned(student):
    """returns the objects the calls returned, even None, 0, False and "", not copies"""
    token = object()
    values = [None, 0, False, "", token, None, 0.0]
    give = _in_reverse(values.__getitem__, len(values))  # later calls finish first
    results = student.run_in_threads(give, [(i, i) for i in range(len(values))])
    assert same(results, values), (
        f"expected the calls' own return values: {why_not_same(results, values)}. "
        "None, 0 and False are results like any other."
    )


@RUN("A call that returns an exception object did not fail")
def test_a_returned_exception_is_a_result(student):
    """a call that returns an exception object (without raising it) gives that object"""
    made = [ValueError("returned, not raised"), KeyError("me too"), SystemExit(3)]
    give = _in_reverse(made.__getitem__, 3)
    kind, value = _outcome(student.run_in_threads, give, [(0, 0), (1, 1), (2, 2)])
    if kind == "raised":
        pytest.fail(
            f"raised {safe_repr(value)}, but no call raised: the calls *returned* exception "
            "objects. Tell a raised exception apart from a returned one.",
            pytrace=False,
        )
    assert same(value, made), f"expected the returned objects: {why_not_same(value, made)}"


@RUN("Wait for every thread")
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


@RUN("Wait for every thread", weight=2, deadline=6)
def test_waits_for_a_slow_call_however_long_it_takes(student):
    """waits for a slow call however long it takes, not only up to a time limit"""
    n = 3
    watched, release, returned = threading.Event(), threading.Event(), threading.Event()
    # A join with a time limit on any thread the call starts gives up at once, so giving
    # up is never a matter of timing, whatever order the threads are joined in: even a
    # join begun before the held call has run a line is cut.
    # A wait of another kind with a time limit in the calling thread (a Thread subclass
    # whose own join waits on an Event, say) runs out at once too, and the clock and
    # time.sleep run fast there, so a join that polls until a deadline, or for a number
    # of turns, gives up at once as well.
    joins = FastJoins()
    box, caller_ident = {}, set()
    waits = FastWaits(
        caller_ident,
        spaces=student_spaces(student, student.run_in_threads),
        about="a wait in the calling thread",
        where="that thread",
    )

    def call(i):
        # The test's own waits keep their limits, even in the calling thread.
        mine = caller_ident.copy()
        caller_ident.discard(threading.get_ident())
        try:
            if i == n - 1:
                watched.set()
                release.wait(10)  # held by the test, longer than any join timeout
            else:
                watched.wait(2.0)
        finally:
            caller_ident.update(mine)
        return i

    def caller():
        caller_ident.add(threading.get_ident())
        box["outcome"] = _outcome(student.run_in_threads, call, [(i,) for i in range(n)])
        caller_ident.clear()
        returned.set()

    calling = threading.Thread(target=caller, daemon=True, name="test-caller")
    with joins.every_new_thread(spare=(calling,)), waits:
        calling.start()
        early = _returned_while_held(
            watched,
            f"the last of {n} calls had not started within 2.5 s",
            returned,
            release,
            "run_in_threads",
            "every call had returned",
        )
    assert not early, (
        f"returned while the last call was still running (held for {BLOCKED:g} s): wait for "
        "every thread without a timeout, however long it takes" + joins.says() + waits.says()
    )
    kind, value = box["outcome"]
    if kind == "raised":
        fail_for(value, "run_in_threads")
    # The order is another test's business: here calls 0 and 1 race to finish.
    assert type(value) is list and all(type(r) is int for r in value), (
        f"expected a list of the calls' results, got {safe_repr(value)}"
    )
    assert sorted(value) == list(range(n)), f"wrong results: {safe_repr(value)}"


@RUN("If any call raised, re-raise the exception of the first failing call", weight=2)
def test_reraises_first_exception_in_input_order(student):
    """re-raises the first failing call's exception (in input order), after all calls end"""
    raised_late, release = threading.Event(), threading.Event()
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
            # Held until run_in_threads has raised (or 0.6 s): code that raises before
            # joining every thread finds call 4 still held, every time.
            release.wait(0.6)
        finished.append(i)
        return i

    raised = {}

    def recorded(i):
        try:
            return func(i)
        except BaseException as exc:
            raised[i] = exc
            raise

    try:
        kind, exc = _outcome(student.run_in_threads, recorded, [(i,) for i in range(5)])
        done_at_return = list(finished)
    finally:
        release.set()
    assert kind == "raised", f"calls 1 and 3 raised, but it returned {safe_repr(exc)}"
    # The very exception call 1 raised: a look-alike could fake its type or ==.
    assert exc is raised.get(1), (
        f"expected the KeyError from call 1 (first in input order), got {safe_repr(exc)}"
    )
    assert 4 in done_at_return, (
        "raised before the slow call 4 had finished: join every thread first"
    )


@RUN("including those that are not an `Exception` but only a `BaseException`", weight=2)
def test_reraises_base_exceptions_too(student):
    """re-raises SystemExit and KeyboardInterrupt raised by a call, like any exception"""
    for kind_of in (SystemExit, KeyboardInterrupt):
        exc = kind_of("from call 1")

        def func(i, exc=exc):
            if i == 1:
                raise exc
            return None  # a falsy result next to the failure

        with _escapes() as escaped:
            kind, got = _outcome(student.run_in_threads, func, [(0,), (1,), (2,)])
        name = kind_of.__name__
        assert kind == "raised", (
            f"call 1 raised {name}, but run_in_threads returned {safe_repr(got)}: "
            f"`except Exception` does not catch {name}; catch BaseException"
        )
        assert got is exc, f"expected the {name} that call 1 raised, got {safe_repr(got)}"
        assert not escaped, f"the {name} escaped its thread instead of reaching the caller"


@RUN("Don't let an exception escape a thread")
def test_exceptions_do_not_escape_the_threads(student):
    """catches each call's exception in its thread rather than letting the thread die"""
    with _escapes() as escaped:
        kind, exc = _outcome(student.run_in_threads, lambda x: 1 / x, [(1,), (0,)])
    assert kind == "raised" and type(exc) is ZeroDivisionError, (
        f"expected the ZeroDivisionError that 1 / 0 raised, got {safe_repr(exc)}"
    )
    assert not escaped, (
        "an exception escaped a thread (Python printed its traceback to stderr): "
        "catch it in the thread and re-raise it in the caller"
    )


# --------------------------------------------------------------------------
# Heartbeat


def _made(student, interval, callback):
    hb = student.Heartbeat(interval, callback)
    # type(), not isinstance(): a __class__ property fools isinstance.
    assert issubclass(type(hb), threading.Thread), "Heartbeat must be a threading.Thread subclass"
    return hb


def _started(student, interval, callback):
    hb = _made(student, interval, callback)
    hb.start()
    return hb


def _stop(hb, timeout=1.0, what="stop()"):
    value = call_student(hb.stop, timeout=timeout, what=what)
    fail_for(value, what)


def _stop_while_held(hb, release, hold=0.3, look=lambda: None, looked=None):
    """Call hb.stop() from another thread while a callback is held on `release`.

    The callback is let go once stop() has returned, or `hold` s after stop() was
    called, whichever comes first. So a stop() that does not wait returns while
    the callback is still held, every time, and a stop() that waits gets its
    callback back. Return (outcome, thread alive when stop() returned, look()
    at that moment), outcome as `_outcome` gives it. Set `looked`, if given, once the
    stopping thread has looked.
    """
    calling, returned = threading.Event(), threading.Event()
    box = {}

    def stopper():
        calling.set()
        outcome = _outcome(hb.stop)
        # Thread's own is_alive: a subclass could override it to say no.
        box["seen"] = outcome, threading.Thread.is_alive(hb), look()
        if looked is not None:
            looked.set()
        returned.set()

    threading.Thread(target=stopper, daemon=True, name="test-stopper").start()
    try:
        assert calling.wait(2.0), "the test could not call stop()"
        returned.wait(hold)
    finally:
        release.set()
    if not returned.wait(2.0):
        pytest.fail(
            "stop() did not return within 2 s after the callback had returned", pytrace=False
        )
    return box["seen"]


def _cleanup(hb):
    """Stop a heartbeat that a failed test left running, without waiting long."""
    with contextlib.suppress(BaseException):
        call_with_deadline(hb.stop, timeout=0.5)


@BEAT("`Heartbeat` subclasses `threading.Thread` and is a daemon thread")
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


def _timed(measure, ok, attempts=3):
    """Call measure() until ok(its result), at most `attempts` times; return the last result.

    For the two checks that read the wall clock. A loaded grading host can hold a
    thread off the CPU for a few hundred ms once, but not in three tries running,
    so correct code passes in one of them; code that is wrong by design (a busy
    loop, a stop() that sleeps or polls) is wrong in every try, and fails all of
    them. So the score does not depend on the load.
    """
    for _ in range(attempts):
        result = measure()
        if ok(result):
            break
    return result


@BEAT("Once started, it calls `callback()`", weight=2, deadline=12)
def test_calls_back_about_every_interval(student):
    """calls callback() about once per interval until stopped"""

    def median_gap():
        calls = []
        hb = _started(student, 0.05, lambda: calls.append(time.monotonic()))
        try:
            if not wait_until(lambda: len(calls) >= 3, timeout=2.0):
                pytest.fail(
                    f"callback was called {len(calls)} times in 2 s with interval 0.05 s",
                    pytrace=False,
                )
            time.sleep(0.3)
        finally:
            _stop(hb, timeout=2.0)
        gaps = sorted(b - a for a, b in zip(calls, calls[1:], strict=False))
        return gaps[len(gaps) // 2]

    # Loose bounds: about the interval, not a busy loop and not a stall.
    median = _timed(median_gap, lambda m: 0.02 <= m <= 0.25)
    assert 0.02 <= median <= 0.25, (
        f"median gap between calls was {median * 1000:.1f} ms with interval 50 ms "
        "(in each of 3 tries)"
    )


@BEAT("Once started, it calls `callback()`")
def test_callback_runs_in_the_heartbeat_thread(student):
    """calls callback() from the heartbeat thread itself"""
    seen = []
    hb = _started(student, 0.01, lambda: seen.append(threading.current_thread()))
    try:
        assert wait_until(lambda: seen, timeout=2.0), "callback was never called"
    finally:
        _stop(hb)
    assert seen[0] is hb, f"callback ran in {thread_name(seen[0])!r}, not in the Heartbeat thread"


@BEAT("`stop()` returns within 0.2 s even when `interval` is 10 s", weight=2, deadline=10)
def test_stop_returns_quickly_with_a_long_interval(student):
    """stop() returns within 0.2 s even when the interval is 10 s"""

    def stop_time():
        hb = _started(student, 10.0, lambda: None)
        time.sleep(0.05)
        start = time.perf_counter()
        # A stop() that sleeps out the interval fails here, at once, in the first try.
        _stop(hb, timeout=2.0)
        return time.perf_counter() - start

    # The contract says 0.2 s; allow slack for a loaded machine.
    elapsed = _timed(stop_time, lambda t: t < 0.5)
    assert elapsed < 0.5, (
        f"stop() took {elapsed:.2f} s (in each of 3 tries): wait on an Event with a "
        "timeout instead of time.sleep"
    )


@BEAT("unless a callback is running: then it waits for that callback", weight=2, deadline=7)
def test_stop_waits_for_a_long_callback(student):
    """stop() waits for a running callback to return, however long it takes"""
    entered, release, returned = threading.Event(), threading.Event(), threading.Event()
    box = {}

    def blocked():
        entered.set()
        release.wait(10)  # held by the test, longer than any join timeout

    hb = _started(student, 0.01, blocked)
    # A join with a time limit gives up at once, so giving up is never a matter of timing.
    joins = FastJoins()
    joins.watch(hb)
    try:
        assert entered.wait(2.0), "callback was never called"

        def stopper():
            box["outcome"] = _outcome(hb.stop)
            returned.set()

        threading.Thread(target=stopper, daemon=True, name="test-stopper").start()
        early = returned.wait(BLOCKED)
        still_running = threading.Thread.is_alive(hb) if early else None
    finally:
        release.set()
    assert returned.wait(2.0), "stop() did not return after the callback had returned"
    kind, value = box["outcome"]
    if kind == "raised":
        fail_for(value, "stop()")
    assert not early, (
        f"stop() returned while a callback was still running (held for {BLOCKED:g} s; the "
        f"thread was {'still' if still_running else 'no longer'} alive): when stop() returns "
        "the thread must have ended, so wait for it without a timeout" + joins.says()
    )
    assert wait_until(lambda: not threading.Thread.is_alive(hb), 1.0)


@BEAT("When `stop()` returns, the thread has ended", weight=2)
def test_thread_has_ended_when_stop_returns(student):
    """when stop() returns, the thread has ended, even if a callback was running"""
    in_callback, release = threading.Event(), threading.Event()
    looked, exits, joins = threading.Event(), threading.local(), FastJoins()

    def held_callback():
        # The heartbeat's thread is held at its very end until stop() calls its join(),
        # or the test has looked after stop() returned (1 s at most): a stop() that waits
        # only for the callback, not for the thread, returns while the thread is alive.
        if getattr(exits, "held", None) is None:
            exits.held = HeldAtExit(looked, lambda: joins.joins > 0, 1.0)
        in_callback.set()
        release.wait(10)  # let go by the test once stop() has returned (or 0.3 s later)

    hb = _started(student, 0.01, held_callback)
    joins.watch(hb)
    try:
        assert in_callback.wait(2.0), "callback was never called"
        (kind, value), alive, _ = _stop_while_held(hb, release, looked=looked)
    finally:
        release.set()
        _cleanup(hb)
    if kind == "raised":
        fail_for(value, "stop()")
    assert not alive, (
        "the thread was still running when stop() returned: waiting for the callback to "
        "return is not enough; join the thread"
    )


@BEAT("When `stop()` returns, the thread has ended")
def test_no_calls_after_stop(student):
    """callback() is never called after stop() returns"""
    calls = []
    held, release = threading.Event(), threading.Event()

    def callback():
        calls.append(1)
        if len(calls) == 3:
            # stop() is called while this call is held: the thread is at a known
            # place, so the verdict does not depend on where it happened to be.
            held.set()
            release.wait(10)

    hb = _started(student, 0.01, callback)
    try:
        assert held.wait(2.0), f"callback was called {len(calls)} times in 2 s, not 3"
        (kind, value), _, count = _stop_while_held(hb, release, look=lambda: len(calls))
        if kind == "raised":
            fail_for(value, "stop()")
        time.sleep(0.1)
    finally:
        release.set()
        _cleanup(hb)
    assert len(calls) == count, f"callback was called {len(calls) - count} times after stop()"


@BEAT("`stop()` called before `start()` returns at once")
def test_stop_before_start(student):
    """stop() before start() returns at once; started afterwards, it never calls back"""
    calls = []
    hb = _made(student, 0.01, lambda: calls.append(1))
    _stop(hb, what="stop() before start()")
    try:
        kind, value = _outcome(hb.start)
        if kind == "raised":
            fail_for(value, "start() after stop()")
        ended = wait_until(lambda: not threading.Thread.is_alive(hb), 1.0)
        assert not calls, (
            f"callback was called {len(calls)} times by a heartbeat stopped before it started"
        )
        assert ended, "a heartbeat stopped before start() was still running 1 s after start()"
    finally:
        _cleanup(hb)


@BEAT("A second call of `stop()` returns at once", deadline=8)
def test_stop_twice(student):
    """a second stop() returns at once, without an error"""

    def second_stop_time():
        hb = _started(student, 0.01, lambda: None)
        time.sleep(0.03)
        _stop(hb)
        start = time.perf_counter()
        _stop(hb, what="a second stop()")  # an error or a hang fails here, in the first try
        return time.perf_counter() - start

    elapsed = _timed(second_stop_time, lambda t: t < 0.5)
    assert elapsed < 0.5, (
        f"a second stop() took {elapsed:.2f} s (in each of 3 tries): it should return at once"
    )


@BEAT("`stop()` called from inside `callback()` returns at once", weight=2)
def test_stop_from_inside_the_callback(student):
    """stop() called by the callback returns, no call follows, and the thread ends"""
    calls = []
    box = {}
    ready = threading.Event()
    holder = []

    def callback():
        calls.append(1)
        if len(calls) == 1:
            ready.wait(2.0)
            box["outcome"] = _outcome(holder[0].stop)

    hb = _made(student, 0.01, callback)
    holder.append(hb)
    hb.start()
    ready.set()
    try:
        assert wait_until(lambda: "outcome" in box, 1.5), (
            "stop() called from inside callback() did not return: a thread cannot wait "
            "for itself to end"
        )
        kind, value = box["outcome"]
        if kind == "raised":
            fail_for(value, "stop() called from inside callback()")
        ended = wait_until(lambda: not threading.Thread.is_alive(hb), 1.0)
        time.sleep(0.05)
        assert len(calls) == 1, (
            f"callback was called {len(calls) - 1} more times after it called stop()"
        )
        assert ended, "the thread was still running 1 s after callback() called stop()"
    finally:
        _cleanup(hb)


# --------------------------------------------------------------------------
# run_with_deadline


def _deadline_call(student, worker, seconds, timeout):
    """Call run_with_deadline in a helper thread; fail if it takes over `timeout` s."""
    return call_student(
        _outcome,
        student.run_with_deadline,
        worker,
        seconds,
        timeout=timeout,
        what="run_with_deadline",
    )


@DEAD("Call `worker(cancel)` once, in a new thread", deadline=5)
def test_worker_runs_once_in_a_new_thread_with_a_fresh_event(student):
    """calls worker(cancel) once, in a new thread, with a new Event that is not set"""
    seen = []
    caller = threading.get_ident()

    def worker(cancel):
        seen.append((threading.get_ident(), cancel, cancel.is_set()))
        return len(seen)

    for _ in range(2):
        kind, value = _outcome(student.run_with_deadline, worker, 5.0)
        if kind == "raised":
            fail_for(value, "run_with_deadline")
    assert len(seen) == 2, f"two calls of run_with_deadline called worker {len(seen)} times"
    for ident, cancel, was_set in seen:
        assert ident != caller, "worker ran in the calling thread: start a new thread for it"
        assert issubclass(type(cancel), threading.Event), (
            f"worker got {type_name(cancel)}, not a threading.Event"
        )
        assert was_set is False, "cancel was already set when worker started"
    assert seen[0][1] is not seen[1][1], "both calls got the same Event: make a new one each time"


@DEAD("About `seconds` seconds after the call started, set `cancel`", weight=2, deadline=7)
def test_sets_cancel_about_seconds_later(student):
    """sets cancel about `seconds` after the start, not at once and not never"""
    seconds = 0.4

    def worker(cancel):
        start = time.perf_counter()
        noticed = cancel.wait(4.5)
        return (noticed, time.perf_counter() - start)

    kind, value = _deadline_call(student, worker, seconds, timeout=5.5)
    if kind == "raised":
        fail_for(value, "run_with_deadline")
    assert type(value) is tuple and len(value) == 2, f"worker's result was lost: {safe_repr(value)}"
    noticed, waited = value
    assert noticed is True, f"cancel was never set (the worker waited {waited:.1f} s for it)"
    # Loose ratios: never before half of `seconds`, well within eight times it.
    assert seconds / 2 <= waited <= seconds * 8, (
        f"cancel was set {waited:.2f} s after the worker started, with seconds={seconds}"
    )


@DEAD("keep waiting until the worker returns, however long it takes", weight=2, deadline=7)
def test_waits_for_a_worker_slow_to_notice(student):
    """waits for the worker to return, even long after cancel was set"""
    noticed, release, returned = threading.Event(), threading.Event(), threading.Event()
    token = object()
    box = {}

    def worker(cancel):
        if cancel.wait(3.0):
            noticed.set()
        release.wait(10)  # held by the test, longer than any join timeout
        return token

    def caller():
        box["outcome"] = _outcome(student.run_with_deadline, worker, 0.05)
        returned.set()

    threading.Thread(target=caller, daemon=True, name="test-caller").start()
    early = _returned_while_held(
        noticed,
        "cancel was not set within 2.5 s with seconds=0.05",
        returned,
        release,
        "run_with_deadline",
        "the worker had returned",
    )
    assert not early, (
        f"returned while the worker was still running (held for {BLOCKED:g} s after cancel "
        "was set): a thread cannot be killed, so join it without a timeout"
    )
    kind, value = box["outcome"]
    if kind == "raised":
        fail_for(value, "run_with_deadline")
    assert value is token, f"expected the worker's own result, got {safe_repr(value)}"


@DEAD("Return the very object the worker returned", weight=2, deadline=6)
def test_returns_the_very_object(student):
    """returns what the worker returned, even None, 0, False or an exception object"""
    token = object()
    for expected in (None, 0, False, "", token, KeyError("returned, not raised")):

        def worker(cancel, expected=expected):
            return expected

        kind, value = _outcome(student.run_with_deadline, worker, 5.0)
        if kind == "raised":
            fail_for(value, f"run_with_deadline with a worker returning {safe_repr(expected)}")
        assert same(value, expected), (
            f"the worker returned {safe_repr(expected)}: {why_not_same(value, expected)}"
        )

    def cancelled(cancel):
        cancel.wait(2.0)
        return None  # a cancelled worker's result is still a result

    kind, value = _deadline_call(student, cancelled, 0.05, timeout=2.5)
    if kind == "raised":
        fail_for(value, "run_with_deadline with a cancelled worker that returned None")
    assert value is None, f"a cancelled worker returned None, got {safe_repr(value)}"


@DEAD("If the worker raised, re-raise that exception", weight=2, deadline=5)
def test_reraises_the_workers_exception(student):
    """re-raises the worker's exception, even SystemExit, without letting it escape"""
    for exc in (KeyError("from the worker"), SystemExit(2), KeyboardInterrupt()):
        name = type_name(exc)

        def worker(cancel, exc=exc):
            raise exc

        with _escapes() as escaped:
            kind, value = _outcome(student.run_with_deadline, worker, 5.0)
        assert kind == "raised", (
            f"the worker raised {name}, but run_with_deadline returned {safe_repr(value)}"
            + ("" if name == "KeyError" else f": `except Exception` does not catch {name}")
        )
        assert value is exc, f"expected the worker's own {name}, got {safe_repr(value)}"
        assert not escaped, f"the {name} escaped the worker's thread"


@DEAD("If the worker returns before `seconds` have passed, return at once", weight=2, deadline=6)
def test_returns_at_once_when_the_worker_is_done(student):
    """returns as soon as the worker does, without waiting out `seconds`"""
    start = time.perf_counter()
    kind, value = _deadline_call(student, lambda cancel: "done", 20.0, timeout=4.0)
    elapsed = time.perf_counter() - start
    if kind == "raised":
        fail_for(value, "run_with_deadline")
    assert same(value, "done"), f"expected 'done': {why_not_same(value, 'done')}"
    # A loose ratio: a tenth of `seconds`, for a worker that takes no time at all.
    assert elapsed < 2.0, f"took {elapsed:.2f} s for a worker that returned at once"


@DEAD("Once `run_with_deadline` has returned, `cancel` is never set by it", weight=2, deadline=6)
def test_leaves_nothing_behind(student):
    """after returning, it never sets cancel and leaves no thread (a timer) running"""
    seconds = 2.0  # a forgotten timer is still waiting when the threads are counted
    events = []

    def worker(cancel):
        events.append(cancel)
        return 1

    watch = ThreadWatch()
    start = time.monotonic()
    kind, value = _deadline_call(student, worker, seconds, timeout=3.0)
    if kind == "raised":
        fail_for(value, "run_with_deadline")
    left = watch.settle(0.3)  # a cancelled timer ends within milliseconds
    # Wait past `seconds`, so that a forgotten timer would have fired.
    time.sleep(max(0.0, start + seconds * 1.3 - time.monotonic()))
    assert events, "worker was never called"
    assert not events[0].is_set(), (
        "cancel was set after run_with_deadline had returned: cancel the timer "
        "once the worker is done"
    )
    assert not left, (
        f"threads still running after run_with_deadline returned: "
        f"{[thread_name(t) for t in left]}; cancel (and join) the timer"
    )


class _HeldAtTheirEnd:
    """While active, hold each thread that the call under test starts once its run() has
    returned, still alive, until a join of it with no time limit begins (``Thread.join``)
    or `limit` seconds have passed.

    "The call under test" is whatever runs in a thread that the test's own thread starts
    (the helper of `_deadline_call`), and in the threads those start, to any depth. The
    hold is in ``Thread._bootstrap_inner``, which runs ``run()``, so it catches every
    thread however the code names or subclasses ``Thread`` or ``Timer``, and whatever its
    ``run()`` does. A join with a time limit does not end the hold (it may give up), nor
    does a join of the code's own that never calls ``Thread.join``. `threads` lists the
    held threads.
    """

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.threads: list[threading.Thread] = []
        self.release = threading.Event()
        self._test = threading.get_ident()
        self._callers: set[int] = set()  # id() of the threads the test itself starts
        self._held: set[int] = set()  # id() of the threads the call starts
        self._roots: set[int] = set()  # idents of threads running the call's code
        self._joined: set[int] = set()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> "_HeldAtTheirEnd":
        real_start = threading.Thread.start
        real_inner = threading.Thread._bootstrap_inner
        real_join = threading.Thread.join

        def start(thread):
            me = threading.get_ident()
            if me == self._test:
                self._callers.add(id(thread))
            elif me in self._roots:
                self._held.add(id(thread))
                self.threads.append(thread)
            return real_start(thread)

        def bootstrap_inner(thread):
            if id(thread) in self._callers or id(thread) in self._held:
                self._roots.add(threading.get_ident())
            try:
                real_inner(thread)
            finally:
                if id(thread) in self._held:
                    self._hold(thread)

        def join(thread, timeout=None):
            if timeout is None:
                self._joined.add(id(thread))
            return real_join(thread, timeout)

        self._stack.enter_context(swapped(threading.Thread, "start", start))
        self._stack.enter_context(swapped(threading.Thread, "_bootstrap_inner", bootstrap_inner))
        self._stack.enter_context(swapped(threading.Thread, "join", join))
        return self

    def _hold(self, thread: threading.Thread) -> None:
        hold_until(lambda: id(thread) in self._joined, self.release, self.limit)

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        self.release.set()

    def alive(self) -> list[threading.Thread]:
        return [t for t in self.threads if threading.Thread.is_alive(t)]


@DEAD("Once `run_with_deadline` has returned, `cancel` is never set by it", deadline=6)
def test_a_timer_has_ended_when_it_returns(student):
    """when it returns, every thread it started (a timer, say) has ended, even one slow to end"""
    # Each thread the call starts is held on its way out, after its run() has returned,
    # until a join of it begins, or for 1.5 s. However the code names Timer (`from
    # threading import Timer`), subclasses it, overrides its run(), or makes its deadline
    # with a thread of its own, a thread it only asks to stop is still running when it
    # returns, every time; one it joins is not held at all.
    with _HeldAtTheirEnd(BLOCKED) as held:
        kind, value = _deadline_call(student, lambda cancel: "done", 5.0, timeout=BLOCKED + 2.5)
        left = held.alive()
    if kind == "raised":
        fail_for(value, "run_with_deadline")
    assert same(value, "done"), f"expected 'done': {why_not_same(value, 'done')}"
    assert not left, (
        f"returned while a thread it started was still running: {[thread_name(t) for t in left]} "
        "(held on its way out until joined). cancel() on a Timer, or an Event the thread "
        "waits on, only asks it to end: join every thread you start"
    )


@DEAD("Once `run_with_deadline` has returned, `cancel` is never set by it", weight=2, deadline=6)
def test_leaves_nothing_behind_after_a_worker_that_raised(student):
    """after a worker that raised, it never sets cancel and leaves no thread (a timer) running"""
    seconds = 0.3
    events = []
    failure = KeyError("from the worker")

    def worker(cancel):
        events.append(cancel)
        raise failure

    watch = ThreadWatch()
    kind, value = _deadline_call(student, worker, seconds, timeout=3.0)
    assert kind == "raised" and value is failure, (
        f"the worker raised {safe_repr(failure)}, but run_with_deadline gave {safe_repr(value)}"
    )
    assert events, "worker was never called"
    cancel = events[0]
    watch.settle(0.3)  # a cancelled timer ends within milliseconds
    # Look past `seconds`: a timer left running sets cancel when it fires. Either it is
    # still running at the end, or it has set cancel by then, whatever the load.
    set_later = wait_until(cancel.is_set, seconds + 1.0)
    left = watch.new_alive()
    assert not set_later, (
        "cancel was set after run_with_deadline had re-raised the worker's exception: cancel "
        "(and join) the timer before re-raising, e.g. in a `finally:`"
    )
    assert not left, (
        f"threads still running after run_with_deadline re-raised the worker's exception: "
        f"{[thread_name(t) for t in left]}; cancel (and join) the timer before re-raising"
    )


# --------------------------------------------------------------------------
# per_thread


def _in_thread(func, *args, name="per-thread-test"):
    """Run func(*args) in a new thread and wait for it; return ("value", v) or ("raised", e).

    It returns once the operating system's thread has gone too, not only Python's:
    its stack is then free, so the next thread started gets the same stack, and
    so the same `threading.get_ident()`, instead of winning a race for a new one.
    """
    box = []
    thread = threading.Thread(
        target=lambda: box.append(_outcome(func, *args)), name=name, daemon=True
    )
    thread.start()
    thread.join(3.0)
    if threading.Thread.is_alive(thread) or not box:
        pytest.fail(f"a call in a new thread did not return within 3 s ({name})", pytrace=False)
    task = f"/proc/self/task/{thread.native_id}"
    wait_until(lambda: not os.path.exists(task), 1.0)
    return box[0]


def _recording_factory(make=object):
    """A factory that records, for every call, the thread it ran in; and what it made."""
    calls, made = [], []

    def factory():
        calls.append(threading.current_thread())
        obj = make()
        made.append(obj)
        return obj

    return factory, calls, made


def _get(per, what="get()"):
    kind, value = _outcome(per.get)
    if kind == "raised":
        fail_for(value, what)
    return value


@PER("`get()` returns the calling thread's own object", "in that thread, and keeps", weight=2)
def test_get_makes_the_object_once_in_the_calling_thread(student):
    """the first get() in a thread calls factory() in that thread; later ones return that object"""
    factory, calls, made = _recording_factory()
    per = student.PerThread(factory)
    assert calls == [], "PerThread(factory) should not call factory() before any get()"
    results = []

    def three_gets():
        results.extend(_get(per) for _ in range(3))
        return threading.current_thread()

    kind, thread = _in_thread(three_gets)
    if kind == "raised":
        fail_for(thread, "get()")
    assert len(calls) == 1, f"three get() calls in one thread called factory() {len(calls)} times"
    assert calls[0] is thread, (
        f"factory() ran in {thread_name(calls[0])}, not in the thread that called get()"
    )
    assert all(r is made[0] for r in results), (
        "every get() in a thread should return the very object factory() made there"
    )


@PER("every later `get()` in that thread returns that very object", weight=2)
def test_two_per_threads_keep_their_own_objects(student):
    """two PerThread objects used in one thread each call their own factory and keep its object"""
    factory_a, calls_a, made_a = _recording_factory()
    factory_b, calls_b, made_b = _recording_factory()
    per_a, per_b = student.PerThread(factory_a), student.PerThread(factory_b)

    def gets():
        return [_get(per_a), _get(per_b), _get(per_a), _get(per_b)]

    kind, got = _in_thread(gets)
    if kind == "raised":
        fail_for(got, "get()")
    assert len(calls_a) == 1 and len(calls_b) == 1, (
        f"two PerThread objects used in one thread called their factories {len(calls_a)} and "
        f"{len(calls_b)} times, not once each: each PerThread keeps its own objects (a "
        "threading.local made once for the class is shared by every PerThread)"
    )
    a, b = made_a[0], made_b[0]
    assert got[0] is a and got[2] is a, "the first PerThread's get() did not return its object"
    assert got[1] is b and got[3] is b, "the second PerThread's get() did not return its object"
    listed_a, listed_b = per_a.created(), per_b.created()
    assert same(listed_a, [a]) and same(listed_b, [b]), (
        "each PerThread's created() should list only the objects its own factory made"
    )


@PER("`factory()` is called at most once per thread")
@pytest.mark.parametrize("falsy", [None, 0, False, "", ()], ids=repr)
def test_a_falsy_object_is_made_once_too(student, falsy):
    """factory() is called once per thread even when it returns a falsy object"""
    factory, calls, _ = _recording_factory(lambda: falsy)
    per = student.PerThread(factory)

    def gets():
        return [_get(per) for _ in range(3)]

    kind, got = _in_thread(gets)
    if kind == "raised":
        fail_for(got, "get()")
    assert len(calls) == 1, (
        f"factory() returned {falsy!r} and was called {len(calls)} times by three get() calls "
        "in one thread: a falsy object is an object too (don't test it with `if not ...` or "
        "`is None`)"
    )
    assert all(same(g, falsy) for g in got), f"get() returned {safe_repr(got)}, not {falsy!r}"


@PER("Each thread gets an object of its own", "Many threads may call `get()`", weight=2)
def test_threads_starting_together_each_get_their_own(student):
    """twelve threads calling get() for the first time at once each get, and list, their own"""
    n = 12
    inside = threading.Barrier(n, timeout=2.0)

    def make():
        with contextlib.suppress(threading.BrokenBarrierError):
            inside.wait()  # every thread is inside factory() at the same moment
        return object()

    factory, calls, made = _recording_factory(make)
    per = student.PerThread(factory)
    got = [None] * n
    errors = []

    def first_get(i):
        try:
            got[i] = per.get()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_get, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(3.0)
    assert not any(t.is_alive() for t in threads), "get() calls in 12 threads did not return"
    if errors:
        fail_for(errors[0], "get()")
    assert not inside.broken, (
        "the twelve first get() calls did not run factory() at the same time: don't hold a "
        "lock while calling factory()"
    )
    assert len({id(g) for g in got}) == n, "two threads got the same object"
    assert all(any(g is m for m in made) for g in got), (
        "get() returned an object factory() never made"
    )
    listed = per.created()
    assert type(listed) is list, f"created() should return a list, not {type_name(listed)}"
    assert len(listed) == n and all(any(x is m for m in made) for x in listed), (
        f"created() lists {len(listed)} objects after {n} threads each made one"
    )
    assert len({id(x) for x in listed}) == n, "created() lists an object twice"


@PER("a new thread gets a new one even after an earlier thread has ended", weight=2)
def test_a_new_thread_gets_a_new_object_after_an_old_one_ended(student):
    """threads run one after another (which often reuse an ident) each get a new object"""
    factory, calls, made = _recording_factory()
    per = student.PerThread(factory)
    got = []
    for i in range(6):
        kind, value = _in_thread(per.get, name=f"thread {i}")
        if kind == "raised":
            fail_for(value, "get()")
        got.append(value)
    assert len(calls) == 6 and len({id(g) for g in got}) == 6, (
        f"6 threads run one after another got {len({id(g) for g in got})} distinct object(s) "
        f"and factory() ran {len(calls)} times: an ended thread's ident can be given to the "
        "next thread, so don't key objects by threading.get_ident()"
    )


@PER("`created()` returns a new plain `list`", "Changing that list changes nothing", weight=2)
def test_created_lists_every_object_in_order_as_a_new_list(student):
    """created() is a new list of every object made, in order, ended threads' included"""
    factory, calls, made = _recording_factory()
    per = student.PerThread(factory)
    first = per.created()
    assert type(first) is list and len(first) == 0, (
        f"created() before any get() should be [], not {safe_repr(first)}"
    )
    for i in range(3):
        kind, value = _in_thread(per.get, name=f"thread {i}")  # each thread has ended after
        if kind == "raised":
            fail_for(value, "get()")
    # The test keeps the objects, not the ended threads: once those are collected, only
    # what PerThread itself keeps can list their objects.
    calls.clear()
    gc.collect()
    _get(per)
    listed = per.created()
    assert type(listed) is list, f"created() should return a list, not {type_name(listed)}"
    assert len(listed) == 4 and all(x is m for x, m in zip(listed, made, strict=True)), (
        f"created() should list the 4 objects made, in the order they were made, including "
        f"those of threads that have ended and been garbage collected, not "
        f"{len(listed)} object(s): keep every object in a list of your own"
    )
    listed.clear()
    listed.append("junk")
    again = per.created()
    assert len(again) == 4 and all(x is m for x, m in zip(again, made, strict=True)), (
        "changing the list created() returned changed what PerThread keeps: return a copy"
    )
    assert again is not listed and again is not first, (
        "created() should return a new list each time"
    )


class _FactoryFailed(Exception):
    pass


@PER("If `factory()` raises", weight=2)
def test_a_failing_factory_is_tried_again_and_nothing_is_kept(student):
    """if factory() raises, get() raises that very exception; the next get() tries again"""
    originals = [_FactoryFailed("first try"), SystemExit(3)]
    failures = list(originals)
    made = []

    def factory():
        if failures:
            raise failures.pop(0)
        obj = object()
        made.append(obj)
        return obj

    per = student.PerThread(factory)
    raised = []

    def three_gets():
        for _ in range(2):
            raised.append(_outcome(per.get))
        return per.get()

    kind, value = _in_thread(three_gets)
    for (k, v), original in zip(raised, originals, strict=True):
        assert k == "raised", (
            f"factory() raised {safe_repr(original)}, but get() returned {safe_repr(v)}"
        )
        assert v is original, (
            f"factory() raised {safe_repr(original)}; get() should raise that very exception, "
            f"not {safe_repr(v)}"
        )
    if kind == "raised":
        fail_for(value, "the get() after two failed ones")
    assert made and value is made[0], (
        "the third get() should call factory() again and return its object"
    )
    listed = per.created()
    assert type(listed) is list and len(listed) == 1 and listed[0] is made[0], (
        f"created() should list only the one object made, not {safe_repr(listed)}"
    )
