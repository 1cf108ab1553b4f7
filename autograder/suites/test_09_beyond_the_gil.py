"""Hidden tests for 09_beyond_the_gil: once_per_key and interpreter_map.

once_per_key is tested with a `func` the test owns: its first call for a key
signals that it has started, then waits on an event, so other callers arrive
while it is surely running. A check-then-act dict or ``functools.cache`` then
calls func a second time every time, with or without the GIL; a lock held
while computing makes two keys miss a barrier every time.

interpreter_map is tested through ``coursekit.interp.interpreters()``, which
the tests replace with a wrapper that counts the subinterpreters created.
On Python 3.13+ the wrapper drives real subinterpreters; on 3.11 and 3.12 it
is a stand-in made of threads (each "interpreter" runs code in a namespace of
its own and reports its own id), so the same contract is checked everywhere
except real parallelism, which is measured on 3.13+ only, as a loose ratio of
CPU time to wall time. Calls that must overlap meet through pipes, which
every interpreter of the process can use.
"""

import contextlib
import dataclasses
import itertools
import os
import queue
import threading
import time
import types

import pytest

import coursekit.interp as interp_mod
import coursekit.interp_tasks as tasks
from autograder import testing
from autograder.instruments import FastWaits
from autograder.suites._trust import exception_of, fail_for, safe_repr, same, type_name
from autograder.testing import Exercise, call_with_deadline, hold_until

#: The tests replace coursekit.interp.interpreters, and once_per_key's tests swap in a
#: threading.Event whose set() lets the woken waiters run first, and FastWaits (which cuts
#: the waiters' time limits) swaps queue.SimpleQueue and the time module's clocks: the seal
#: must not count any of that as tampering.
LIBRARY_WRITES = ("coursekit.interp", "threading", "queue", "time")

#: The test's own events, made before any test swaps threading.Event.
_Event = threading.Event

#: interpreter_map makes subinterpreters: the seal must not count that as tampering
#: (docs/grading.md says what that leaves open in this assignment's kernels).
MAKES_SUBINTERPRETERS = True

ONCE = Exercise("once_per_key")
IMAP = Exercise("interpreter_map")

UNTESTED = {
    "once_per_key": {
        "You may assume that `func` never calls `get` itself.": (
            "an assumption granted to the student: no solution can violate it"
        ),
    },
    "interpreter_map": {
        "You may assume that the items, the results and the exceptions can be pickled.": (
            "an assumption granted to the student: the tests only pass picklable values"
        ),
    },
}

TASKS = "coursekit.interp_tasks"


def _name(func):
    return func.__name__ if type(func) is types.FunctionType else "the function"


def call_student(func, *args, timeout=3.0, expect=None):
    """Call student code in a helper thread; fail if it does not return in time.

    A call that does not return is charged to the exercise's stuck budget (the
    harness's). An exception whose real class is in `expect` is returned for the
    test to inspect; any other fails the test with a guarded description.
    """
    value = testing.call_student(lambda: func(*args), timeout=timeout, what=f"{_name(func)}()")
    if expect is not None and issubclass(type(value), expect):
        return value
    fail_for(value, f"{_name(func)}()")
    return value


class Caller:
    """One thread calling get(key); remembers what it returned or raised. Its thread's
    ident goes into `idents` (if given) before it calls get."""

    def __init__(self, get, key, idents=None, go=None):
        self.started = _Event()
        self.done = _Event()
        self.outcome = None
        self.ident = None

        def run():
            self.ident = threading.get_ident()
            if idents is not None:
                idents.add(threading.get_ident())
            if go is not None:
                go.wait(5.0)
            self.started.set()
            try:
                self.outcome = ("returned", get(key))
            except BaseException as exc:  # noqa: BLE001 - inspected by the test
                self.outcome = ("raised", exc)
            finally:
                self.done.set()

        self.thread = threading.Thread(target=run, daemon=True, name=f"get-{key!r}")
        self.thread.start()


class HeldFunc:
    """func(key) whose first call for `held` starts, then waits for `release`."""

    def __init__(self, held, first_raises=None):
        self.held = held
        self.first_raises = first_raises
        self.calls = []
        self.entered = _Event()
        self.release = _Event()
        self.first_result = object()
        self.later_results = []
        self._lock = threading.Lock()

    def __call__(self, key):
        with self._lock:
            self.calls.append(key)
            first = key == self.held and not self.entered.is_set()
            if first:
                self.entered.set()
        if not first:
            result = object()
            self.later_results.append(result)
            return result
        self.release.wait(8.0)
        if self.first_raises is not None:
            raise self.first_raises
        return self.first_result


def _make_get(student, func):
    get = call_student(student.once_per_key, func)
    if not callable(get):
        pytest.fail(f"once_per_key should return a function, not {type_name(get)}", pytrace=False)
    return get


def _hold_and_start_waiters(get, func, key, waiters, watch=1.5, idents=None):
    """Start get(key) (held inside func), then `waiters` more callers (their idents go
    into `idents`, for FastWaits); watch for `watch` s."""
    owner = Caller(get, key)
    if not func.entered.wait(3.0):
        func.release.set()
        pytest.fail(f"get({key!r}) did not call func({key!r}) within 3 s", pytrace=False)
    others = [Caller(get, key, idents) for _ in range(waiters)]
    for c in others:
        c.started.wait(3.0)
    # Long enough for a caller that waits with a timeout to give up and call func itself.
    deadline = time.monotonic() + watch
    while time.monotonic() < deadline and len(func.calls) == 1:
        time.sleep(0.01)
    return owner, others


class Collider:
    """A key equal only to itself (by name), whose hash is the same for every Collider."""

    def __init__(self, name):
        self.name = name

    def __hash__(self):
        return 7

    def __eq__(self, other):
        return type(other) is Collider and other.name == self.name

    def __repr__(self):
        return f"Collider({self.name!r})"


class Lockstep:
    """A key whose hash() calls, from two threads, go in step: each of a thread's first
    `steps` calls waits (up to `patience` s) until the other thread has made as many.

    A dict lookup, insertion or `in` on a key calls its hash. So two get(key) calls
    that look the key up and then store it as two separate steps, with no lock around
    both, both see it missing before either stores it, every time. A get that holds a
    lock around the look-up and the store only waits out the patience: the other
    thread is blocked on that lock and cannot catch up.
    """

    def __init__(self, steps=4, patience=1.0):
        self.steps, self.patience = steps, patience
        self._cond = threading.Condition()
        self._made = {}

    def __hash__(self):
        me = threading.get_ident()
        with self._cond:
            mine = self._made[me] = self._made.get(me, 0) + 1
            self._cond.notify_all()
            if mine <= self.steps:
                self._cond.wait_for(
                    lambda: sum(1 for t, n in self._made.items() if t != me and n >= mine),
                    self.patience,
                )
        return 11

    def __eq__(self, other):
        return other is self

    def __repr__(self):
        return "key"


@contextlib.contextmanager
def WaitersFirst(student, limit=1.5):  # noqa: N802 - read as the name of a schedule
    """While active, a threading.Event made by the student's code (the test's own are
    `_Event`) lets the threads its set() woke run first: when the thread of one of the
    callers the test lists in `gate.callers` calls set(), it waits there until every
    other caller has returned, or `limit` s.

    So a get that sets its Event before it stores the result lets the waiters look for
    a result that is not there yet, every time; one that stores first loses nothing.
    """
    gate = types.SimpleNamespace(callers=[])

    class Event(_Event):
        def set(self):
            super().set()
            me = threading.get_ident()
            callers = list(gate.callers)
            if any(c.ident == me for c in callers):
                others = [c for c in callers if c.ident != me]
                hold_until(lambda: all(c.done.is_set() for c in others), _Event(), limit)

    with testing.swapped(threading, "Event", Event, testing.student_spaces(student)):
        yield gate


def _all_return(callers, seconds, why):
    """Fail with `why` unless every caller returns, each within `seconds` of the last."""
    for c in callers:
        if not c.done.wait(seconds):
            pytest.fail(why, pytrace=False)


def _finish(callers, func):
    func.release.set()
    _all_return(callers, 4.0, "a call of get() did not return after func finished")


# --------------------------------------------------------------------------
# once_per_key


@ONCE("returns a function `get(key)` that returns what `func(key)`")
def test_get_returns_what_func_returned(student):
    """get(key) returns the very object func(key) returned, for several kinds of keys, keys with equal hashes too"""
    made = {}

    def func(key):
        made[key] = object()
        return made[key]

    get = _make_get(student, func)
    # -1 and -2 have the same hash in CPython, as two Colliders do: keys are told apart by ==.
    for key in (1, "a", (2, "b"), None, 2.5, -1, -2, Collider("x"), Collider("y")):
        result = call_student(get, key)
        assert result is made.get(key), (
            f"get({key!r}) returned {safe_repr(result)}, not the object func({key!r}) returned"
        )


@ONCE("later calls of `get(key)` return the cached result")
def test_result_is_cached(student):
    """a second get(key) returns the cached object without calling func again, a result of None, 0, False or "" too"""
    calls = []
    results = {1: [1], 2: [2], "none": None, "zero": 0, "false": False, "empty": ""}

    def func(key):
        calls.append(key)
        return results[key]

    get = _make_get(student, func)
    first = call_student(get, 1)
    call_student(get, 2)
    again = call_student(get, 1)
    assert again is first, "get(1) a second time should return the cached object itself"
    assert same(calls, [1, 2]), f"func was called with {safe_repr(calls)}; expected [1, 2]"
    for key in ("none", "zero", "false", "empty"):
        for _ in range(2):
            got = call_student(get, key)
            assert got is results[key], (
                f"get({key!r}) returned {safe_repr(got)}, not {results[key]!r}, what func returned"
            )
    again = sorted({key for key in calls if calls.count(key) > 1})
    assert not again, (
        f"func was called again for {again}, whose results are {[results[k] for k in again]}: "
        "a result that is None, 0, False or empty is cached like any other (test `key in "
        "cache`, not the value)"
    )


@ONCE("While `func(key)` runs, other calls of `get`", weight=2, deadline=10)
def test_concurrent_callers_wait_for_the_running_call(student):
    """while func(key) runs, other callers of that key wait for it, however long, instead of calling func, and get its result"""
    # The waiters' time limits run out at once (FastWaits), so a waiter that gives up after
    # a while and calls func itself does so every time; and the owner's Event.set() lets
    # the woken waiters run first (WaitersFirst), so a get that wakes them before it has
    # stored the result lets them look for it too early, every time.
    func = HeldFunc("k")
    idents = set()
    with WaitersFirst(student) as gate:
        get = _make_get(student, func)
        with FastWaits(
            idents,
            spaces=testing.student_spaces(student),
            about="a waiting get()'s wait for the running call",
            where="the waiting callers' threads",
        ) as waits:
            owner, others = _hold_and_start_waiters(get, func, "k", waiters=2, idents=idents)
            gate.callers = [owner, *others]
            called_again = len(func.calls) > 1
            finished_early = [c for c in others if c.done.is_set()]
            _finish([owner, *others], func)
    assert not called_again, (
        "while func('k') was still running, another get('k') called func('k') again: "
        "check-then-act (or functools.cache) lets two threads compute the same key, and a "
        "waiter must wait however long the running call takes" + waits.says()
    )
    assert not finished_early, (
        "a second get('k') returned while func('k') was still running: it should wait for it"
    )
    for c in [owner, *others]:
        kind, value = c.outcome
        if kind != "returned":
            fail_for(value, "get('k')")
        assert value is func.first_result, (
            f"a waiting get('k') returned {safe_repr(value)}, not the result of func('k')"
        )
    assert len(func.calls) == 1, f"func was called {len(func.calls)} times for one key"


@ONCE("Calls with different keys do not wait for each other", weight=1, deadline=20)
def test_different_keys_run_at_the_same_time(student):
    """func(a) and func(b) run at the same time (no lock held while computing), even for keys with equal hashes"""
    # Keys with equal hashes (Colliders, and 1 and 720721, whose hashes are equal modulo
    # every number up to 16) share any stripe chosen by hash: one lock per stripe, held
    # while computing, makes them wait for each other every time.
    for a_key, b_key in (("a", "b"), (Collider("a"), Collider("b")), (1, 1 + 720720)):
        barrier = threading.Barrier(2, timeout=2.5)
        met = []

        def func(key, barrier=barrier, met=met):
            try:
                barrier.wait()
                met.append(key)
            except threading.BrokenBarrierError:
                pass
            return key

        get = _make_get(student, func)
        a, b = Caller(get, a_key), Caller(get, b_key)
        _all_return((a, b), 6.0, "get() did not return within 6 s")
        assert len(met) == 2, (
            f"func({a_key!r}) waited 2.5 s for func({b_key!r}) to start, in vain: a call for "
            "one key should not block calls for another (is a lock held while func runs, one "
            "for all keys or one for the keys of a hash stripe?)"
        )


@ONCE("While `func(key)` runs, other calls of `get`", weight=2, deadline=15)
def test_callers_that_arrive_together_call_func_once(student):
    """two callers that ask for a key at the same moment call func once, and both get its result"""
    # The key's hash() calls go in step in the two threads (Lockstep): a get that looks
    # the key up and registers it as two steps, without one lock around both, lets both
    # threads see it missing, every time.
    calls = []
    result = object()

    def func(key):
        calls.append(key)
        return result

    with WaitersFirst(student) as gate:
        get = _make_get(student, func)
        key, go = Lockstep(), _Event()
        both = gate.callers = [Caller(get, key, go=go), Caller(get, key, go=go)]
        go.set()  # both call get(key) now
        for c in both:
            c.done.wait(8.0)
    _all_return(both, 8.0, "get() did not return within 8 s")
    assert len(calls) == 1, (
        f"two threads called get(key) at the same moment, and func was called {len(calls)} "
        "times: the look-up and the registration of a running call must be one step (hold "
        "one lock around both, or use one atomic operation such as dict.setdefault)"
    )
    for c in both:
        kind, value = c.outcome
        if kind != "returned":
            fail_for(value, "get(key)")
        assert value is result, f"a get(key) returned {safe_repr(value)}, not func's result"


@ONCE(
    "If `func(key)` raises",
    "This holds for any exception, one that is not an `Exception`",
    deadline=12,
)
@pytest.mark.parametrize(
    "error_class",
    [pytest.param(ValueError, marks=pytest.mark.weight(2)), tasks.Halt],
    ids=["ValueError", "a BaseException"],
)
def test_an_exception_reaches_every_waiter_and_is_not_cached(student, error_class):
    """if func raises, the caller and the waiters raise it, and the next call tries again"""
    error = error_class("func failed on purpose")
    func = HeldFunc("k", first_raises=error)
    get = _make_get(student, func)
    owner, others = _hold_and_start_waiters(get, func, "k", waiters=2, watch=1.0)
    _finish([owner, *others], func)
    for c in [owner, *others]:
        kind, value = c.outcome
        assert kind == "raised" and value is error, (
            f"func('k') raised {error_class.__name__}"
            + (" (a BaseException, not an Exception)" if error_class is tasks.Halt else "")
            + "; the caller and every get('k') waiting for it should raise that same "
            f"exception, but one {kind} {safe_repr(value)}"
        )
    assert len(func.calls) == 1, (
        f"func was called {len(func.calls)} times while one call was running and failing"
    )
    retry = call_student(get, "k", expect=BaseException)
    if issubclass(type(retry), BaseException):
        pytest.fail(
            f"after a failure, get('k') raised {safe_repr(retry)} again: an exception must "
            "not be cached; the next call should call func('k') again",
            pytrace=False,
        )
    assert len(func.calls) == 2 and retry is func.later_results[0], (
        "after a failure, the next get('k') should call func('k') again and return its result"
    )


# --------------------------------------------------------------------------
# interpreter_map: the API under test


class _FakeFailed(Exception):
    """What the stand-in's exec raises when the code raises (as ExecutionFailed does)."""


class _FakeQueue:
    def __init__(self):
        self._q = queue.Queue()

    def put(self, obj, *args, **kwargs):
        self._q.put(obj)

    def get(self, timeout=None, *args, **kwargs):
        return self._q.get(timeout=timeout)

    def get_nowait(self):
        return self._q.get_nowait()

    def put_nowait(self, obj):
        self._q.put(obj)

    def empty(self):
        return self._q.empty()

    def qsize(self):
        return self._q.qsize()


class _FakeInterpreter:
    """An "interpreter" made of a namespace of its own; code runs in the calling thread."""

    _ids = itertools.count(1000)

    def __init__(self, registry):
        self.id = next(self._ids)
        self._registry = registry
        self._ns = {"__name__": "__main__"}
        self._running = threading.Lock()

    def prepare_main(self, ns=None, /, **kwargs):
        self._ns.update(dict(ns or {}, **kwargs))

    def exec(self, code, /):
        if self not in self._registry:
            raise RuntimeError("interpreter already closed")
        if not self._running.acquire(blocking=False):
            raise RuntimeError("interpreter already running")
        saved = getattr(interp_mod._local, "id", None)
        interp_mod._local.id = self.id
        try:
            exec(code, self._ns)  # noqa: S102 - the student's code for a stand-in interpreter
        except Exception as exc:  # noqa: BLE001 - summarized, as ExecutionFailed does
            raise _FakeFailed(f"{type(exc).__name__}: {exc}") from None
        finally:
            interp_mod._local.id = saved
            self._running.release()

    def close(self):
        with contextlib.suppress(ValueError):
            self._registry.remove(self)

    def is_running(self):
        return self._running.locked()


def _fake_backend():
    registry = []

    def create():
        sub = _FakeInterpreter(registry)
        registry.append(sub)
        return sub

    return interp_mod.Backend(
        "a stand-in made of threads (this Python has no subinterpreters)",
        create,
        _FakeQueue,
        lambda: list(registry),
        lambda: types.SimpleNamespace(id=getattr(interp_mod._local, "id", None) or 0),
        _FakeFailed,
    )


class Counting:
    """The API handed to the student, counting the subinterpreters it creates."""

    def __init__(self, real):
        self.real = real
        self.created = []
        self.lock = threading.Lock()
        self.calls = 0

    def api(self):
        self.calls += 1

        def create():
            sub = self.real.create()
            with self.lock:
                self.created.append(sub.id)
            return sub

        return interp_mod.Backend(
            self.real.name,
            create,
            self.real.create_queue,
            self.real.list_all,
            self.real.get_current,
            self.real.ExecutionFailed,
        )

    def still_open(self):
        open_ids = {sub.id for sub in self.real.list_all()}
        return [i for i in self.created if i in open_ids]


REAL = interp_mod.available()


@contextlib.contextmanager
def patched_api(student, replacement):
    """Make interp.interpreters (and any name the student bound to it) return `replacement`."""
    with testing.swapped(interp_mod, "interpreters", replacement, testing.student_spaces(student)):
        yield


@pytest.fixture
def api(student):
    counting = Counting(interp_mod.interpreters() if REAL else _fake_backend())
    with patched_api(student, counting.api):
        yield counting


def run_map(student, *args, timeout=20.0, expect=None):
    return call_student(student.interpreter_map, *args, timeout=timeout, expect=expect)


class Meeting:
    """Pipes through which calls of coursekit.interp_tasks.meet announce and await release."""

    def __init__(self):
        self.arrive_r, self.arrive_w = os.pipe()
        self.release_r, self.release_w = os.pipe()

    def item(self, tag, timeout=4.0):
        return (self.arrive_w, self.release_r, timeout, tag)

    def count_arrivals(self, wanted, within):
        import select

        seen = 0
        deadline = time.monotonic() + within
        while seen < wanted:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([self.arrive_r], [], [], left)
            if ready:
                seen += len(os.read(self.arrive_r, 64))
        return seen

    def release_all(self, n):
        os.write(self.release_w, b"x" * n)

    def close(self):
        for fd in (self.arrive_r, self.arrive_w, self.release_r, self.release_w):
            with contextlib.suppress(OSError):
                os.close(fd)


# --------------------------------------------------------------------------
# interpreter_map


@IMAP("returns a new `list` with `f(item)` for each item", deadline=30)
def test_results_in_input_order(student, api):
    """returns a new list of f(item), in the order of the items, and leaves the items as they were"""
    items = [3, 1, 2, 5, 4]
    result = run_map(student, TASKS, "square", items, 2)
    assert same(result, [9, 1, 4, 25, 16]), (
        f"interpreter_map(..., 'square', {[3, 1, 2, 5, 4]}, 2) returned {safe_repr(result)}; "
        "expected the list [9, 1, 4, 25, 16]"
    )
    assert result is not items and same(items, [3, 1, 2, 5, 4]), (
        "interpreter_map wrote its results into the caller's list of items and returned it: "
        "return a new list, and leave the items alone"
    )


@IMAP("An empty `items` gives `[]`.", deadline=15)
def test_empty_items(student, api):
    """no items give an empty list"""
    result = run_map(student, TASKS, "square", [], 2)
    assert same(result, []), f"interpreter_map with no items returned {safe_repr(result)}, not []"


@IMAP("Each call of `f` runs in a subinterpreter", deadline=30)
def test_each_call_runs_in_a_subinterpreter(student, api):
    """each call runs in a subinterpreter of this process, not in the main one: with one item, and with one worker, too"""
    for items, workers in (([0, 1, 2, 3], 2), ([7], 2), ([0, 1, 2], 1)):
        call = f"interpreter_map(..., 'where', {items}, {workers})"
        result = run_map(student, TASKS, "where", items, workers)
        if type(result) is not list or len(result) != len(items):
            pytest.fail(
                f"{call}: expected a list of {len(items)} results, got {safe_repr(result)}",
                pytrace=False,
            )
        for entry in result:
            if type(entry) is not tuple or len(entry) != 3 or type(entry[1]) is not int:
                pytest.fail(f"{call}: unexpected result {safe_repr(entry)}", pytrace=False)
            _, where, pid = entry
            assert pid == os.getpid(), f"{call}: a call ran in another process: use subinterpreters"
            assert where != 0, (
                f"{call}: a call ran in the main interpreter: run each call in a subinterpreter, "
                "even when there is only one item or one worker"
            )


@IMAP("Get the subinterpreter API by calling `interp.interpreters()`", deadline=30)
def test_uses_the_course_api(student, api):
    """gets its subinterpreters from interp.interpreters()"""
    run_map(student, TASKS, "square", [1, 2], 2)
    assert api.calls >= 1 and api.created, (
        "interpreter_map did not create its subinterpreters through interp.interpreters()"
    )


@IMAP("On a Python without subinterpreters", deadline=10)
def test_no_subinterpreters_raises_runtime_error(student):
    """on a Python without subinterpreters, the RuntimeError of interp.interpreters() propagates"""
    error = RuntimeError("no subinterpreters on this Python (the test says so)")

    def unavailable():
        raise error

    with patched_api(student, unavailable):
        raised = run_map(student, TASKS, "square", [1, 2, 3], 2, timeout=5.0, expect=BaseException)
    assert raised is error, (
        "when interp.interpreters() raises RuntimeError, interpreter_map should let it "
        f"propagate; it gave {safe_repr(raised)}"
    )


@IMAP("Use `workers` subinterpreters, each driven by its own thread", weight=2, deadline=30)
def test_workers_calls_run_at_the_same_time(student, api):
    """`workers` calls run at the same time (they meet while running)"""
    for workers in (2, 3):
        _meet(student, workers)


def _map_in_a_thread(student, task, items, workers, meanwhile):
    """Call interpreter_map(TASKS, task, items, workers) in a thread while this thread runs
    meanwhile(); return what meanwhile() returned, and whether the call finished and what
    it returned or raised."""
    box = {}

    def run():
        box["r"] = call_with_deadline(
            student.interpreter_map, TASKS, task, items, workers, timeout=15
        )

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    seen = meanwhile()
    runner.join(16)
    return (seen, *box.get("r", (False, None)))


def _hung():
    message = "interpreter_map did not return within 15 s: a deadlock or an endless loop?"
    testing.stuck_budget().charge(15, message)  # as testing.call_student would
    pytest.fail(message, pytrace=False)


def _meet(student, workers):
    meeting = Meeting()
    try:
        # Each call waits longer (12 s) than the test counts arrivals (8 s): a call that
        # could not start until another ended is not counted as running with it.
        items = [meeting.item(i, timeout=12.0) for i in range(workers)]

        def count_then_release():
            met = meeting.count_arrivals(workers, within=8.0)
            meeting.release_all(workers * 2)
            return met

        met, finished, value = _map_in_a_thread(student, "meet", items, workers, count_then_release)
        assert met == workers, (
            f"with workers={workers} and {workers} items, only {met} call(s) were running "
            "at the same time: drive each subinterpreter from its own thread"
        )
        if not finished:
            _hung()
        fail_for(value, "interpreter_map()")
        assert same(value, list(range(workers))), f"unexpected result {safe_repr(value)}"
    finally:
        meeting.close()


def _countdowns_together(student, n):
    """Two countdowns of n through interpreter_map, let go at the same moment once both
    calls are running (so a slow start under load cannot shrink their overlap)."""
    meeting = Meeting()
    try:
        box = {}

        def run():
            items = [meeting.item(n, timeout=2.0), meeting.item(n, timeout=2.0)]
            try:
                box["r"] = run_map(student, TASKS, "meet_then_countdown", items, 2, timeout=15)
            except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
                box["e"] = exc

        runner = threading.Thread(target=run, daemon=True)
        runner.start()
        meeting.count_arrivals(2, within=8.0)
        meeting.release_all(4)
        runner.join(16)
        if "e" in box:
            raise box["e"]
        if "r" not in box:
            pytest.fail("interpreter_map did not return", pytrace=False)
        return box["r"]
    finally:
        meeting.close()


@IMAP("so that `workers` calls run at the same time", deadline=40)
def test_cores_are_busy_at_once(student, api):
    """two calls overlap in time; on 3.13+ they never wait for each other's GIL"""
    # A stand-in made of threads (3.11, 3.12) shares one GIL: there only the overlap counts.
    only_overlap = not REAL or (os.cpu_count() or 1) < 2
    from coursekit.bench import calibrate_countdown

    n = calibrate_countdown(0.3)
    verdicts = []
    for _ in range(5):
        result = _countdowns_together(student, n)
        if (
            type(result) is not list
            or len(result) != 2
            or not all(
                type(r) is tuple
                and len(r) == 4
                and all(type(x) is float for x in r[:3])
                and type(r[3]) is int
                for r in result
            )
        ):
            pytest.fail(f"expected a list of 2 results, got {safe_repr(result)}", pytrace=False)
        (s1, e1, c1, w1), (s2, e2, c2, w2) = result
        union = max(e1, e2) - min(s1, s2)
        overlap = max(0.0, min(e1, e2) - max(s1, s2)) / max(min(e1 - s1, e2 - s2), 1e-9)
        busy = (c1 + c2) / max(union, 1e-9)  # cores busy at once, on average
        if only_overlap:
            parallel = overlap >= 0.5
        elif w1 >= 0 and w2 >= 0:
            # Two threads sharing one GIL hand it over every few milliseconds, and each
            # hand-over is a wait (a voluntary context switch): dozens in 0.3 s. With a GIL
            # per interpreter the loops never wait, however loaded the machine is.
            parallel = overlap >= 0.5 and max(w1, w2) <= 10
        else:
            parallel = overlap >= 0.5 and busy >= 1.15  # no /proc: CPU time against wall time
        verdicts.append((parallel, overlap, busy, (w1, w2)))
        if sum(v[0] for v in verdicts) >= 3 or sum(not v[0] for v in verdicts) >= 3:
            break
    if sum(v[0] for v in verdicts) < 3:
        _, overlap, busy, waits = verdicts[-1]
        pytest.fail(
            f"two countdowns in two subinterpreters overlapped {overlap:.0%} of the time, kept "
            f"{busy:.2f} cores busy, and waited {waits[0]} and {waits[1]} times for a core: "
            "with a GIL per interpreter they run at the same time and never wait for each "
            "other. Are the calls run one at a time, or in one interpreter?",
            pytrace=False,
        )


@IMAP("Never use more than `workers` subinterpreters", deadline=40)
def test_at_most_workers_and_all_closed(student, api):
    """creates at most `workers` subinterpreters (2 by default) and closes them all, also after an error"""
    run_map(student, TASKS, "where", list(range(6)), 2)
    assert len(api.created) <= 2, (
        f"with workers=2, interpreter_map created {len(api.created)} subinterpreters"
    )
    assert not api.still_open(), "some subinterpreters were left open: close each one"
    before = len(api.created)
    run_map(student, TASKS, "fail_if_negative", [1, -2, 3], 2, expect=BaseException)
    assert len(api.created) - before <= 2, "with workers=2, more than 2 subinterpreters"
    assert not api.still_open(), "after an error, some subinterpreters were left open"
    # The signature's default: workers=2.
    before = len(api.created)
    run_map(student, TASKS, "where", list(range(6)))
    assert len(api.created) - before <= 2, (
        f"interpreter_map(module, func, six items) created {len(api.created) - before} "
        "subinterpreters: with the default workers=2 of the signature, use at most 2"
    )


@IMAP("close every one you created before returning or raising", deadline=30)
def test_closes_what_it_made_when_creating_one_fails(student):
    """closes every subinterpreter it made when making another one fails"""
    counting = Counting(interp_mod.interpreters() if REAL else _fake_backend())
    made = []

    def failing_api():
        api = counting.api()
        create = api.create

        def create_or_fail():
            made.append(None)
            if len(made) == 2:
                raise RuntimeError("the second create() fails (the test makes it fail)")
            return create()

        return dataclasses.replace(api, create=create_or_fail)

    with patched_api(student, failing_api):
        outcome = run_map(student, TASKS, "square", [1, 2, 3, 4], 2, expect=BaseException)
    assert len(made) >= 2, (
        f"interpreter_map(..., [1, 2, 3, 4], 2) made {len(made)} subinterpreter(s), not 2"
    )
    left = counting.still_open()
    del outcome  # (after looking: a raised exception's traceback may hold them)
    assert not left, (
        f"when the second create() raised, {len(left)} subinterpreter(s) made before it were "
        "left open: create them inside the try (or with) that closes them"
    )


@IMAP(
    "with its type and arguments (send it back pickled)",
    "This holds for any exception, a `BaseException`",
    deadline=30,
)
@pytest.mark.parametrize(
    ("task", "kind", "args"),
    [
        ("fail_with_details", tasks.TaskError, (-2, "details")),
        ("halt_if_negative", tasks.Halt, (-2,)),
    ],
    ids=["an exception of the module's own, with two arguments", "a BaseException"],
)
def test_the_error_keeps_its_type_and_arguments(student, api, task, kind, args):
    """raises f's exception with its own type and arguments"""
    error = run_map(student, TASKS, task, [1, -2, 3], 2, expect=BaseException)
    raised = f"{kind.__name__}{args!r}" if len(args) > 1 else f"{kind.__name__}({args[0]!r})"
    did = (
        f"raised {type_name(error)} with the arguments {safe_repr(error.args)}"
        if isinstance(error, BaseException)
        else f"returned {safe_repr(error)}"
    )
    assert type(error) is kind and same(error.args, args), (
        f"f(-2) raised {raised}; interpreter_map should raise that exception, with its type "
        f"and arguments, but it {did}"
    )


@IMAP("raises the exception of the first failing item", weight=2, deadline=30)
def test_first_error_in_input_order(student, api):
    """raises the exception of the first failing item, with its type and arguments"""
    raised = run_map(
        student, TASKS, "fail_if_negative", [1, -2, 3, -4, 5, -6], 2, expect=BaseException
    )
    if not issubclass(type(raised), BaseException):
        pytest.fail(
            f"items -2, -4 and -6 raise ValueError, but interpreter_map returned {safe_repr(raised)}",
            pytrace=False,
        )
    assert exception_of(raised, ValueError), (
        f"f raised ValueError; interpreter_map should raise ValueError, not {type_name(raised)}"
    )
    assert same(raised.args, ("negative item: -2",)), (
        f"expected the error of the first failing item (-2), got args {safe_repr(raised.args)}"
    )
    # Then an order forced through pipes: item 1 fails at once, and item 0 fails only once
    # item 1 has failed and a later item has run (or 5 s have passed), so the first error
    # in time is not the first in the order of the items.
    meeting = Meeting()
    try:
        items = [
            (None, meeting.release_r, 5.0, "item 0, which fails last", True),
            (meeting.arrive_w, None, 0.0, "item 1, which fails first", True),
            (meeting.arrive_w, None, 0.0, "item 2", False),
        ]

        def release_item_0_later():
            meeting.count_arrivals(2, within=5.0)
            meeting.release_all(1)

        _, finished, raised = _map_in_a_thread(student, "scripted", items, 2, release_item_0_later)
    finally:
        meeting.close()
    if not finished:
        _hung()
    assert exception_of(raised, ValueError) and same(raised.args, ("item 0, which fails last",)), (
        "item 1 failed first, then item 0: interpreter_map should raise the error of item 0, "
        "the first failing item in the order of the items, whenever it comes, but it "
        + (
            f"raised {type_name(raised)}{safe_repr(raised.args)}"
            if isinstance(raised, BaseException)
            else f"returned {safe_repr(raised)}"
        )
    )
