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
import itertools
import os
import queue
import threading
import time
import types

import pytest

import coursekit.interp as interp_mod
from autograder import testing
from autograder.suites._trust import exception_of, fail_for, safe_repr, same, type_name
from autograder.testing import call_with_deadline

#: The tests replace coursekit.interp.interpreters: the seal must not count that as tampering.
LIBRARY_WRITES = ("coursekit.interp",)

#: interpreter_map makes subinterpreters: the seal must not count that as tampering
#: (docs/grading.md says what that leaves open in this assignment's kernels).
MAKES_SUBINTERPRETERS = True

ONCE = pytest.mark.exercise("once_per_key")
IMAP = pytest.mark.exercise("interpreter_map")

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
    """One thread calling get(key); remembers what it returned or raised."""

    def __init__(self, get, key):
        self.started = threading.Event()
        self.done = threading.Event()
        self.outcome = None

        def run():
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
        self.entered = threading.Event()
        self.release = threading.Event()
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


def _hold_and_start_waiters(get, func, key, waiters, watch=1.5):
    """Start get(key) (held inside func), then `waiters` more callers; watch for `watch` s."""
    owner = Caller(get, key)
    if not func.entered.wait(3.0):
        func.release.set()
        pytest.fail(f"get({key!r}) did not call func({key!r}) within 3 s", pytrace=False)
    others = [Caller(get, key) for _ in range(waiters)]
    for c in others:
        c.started.wait(3.0)
    # Long enough for a caller that waits with a timeout to give up and call func itself.
    deadline = time.monotonic() + watch
    while time.monotonic() < deadline and len(func.calls) == 1:
        time.sleep(0.01)
    return owner, others


def _finish(callers, func):
    func.release.set()
    for c in callers:
        if not c.done.wait(4.0):
            pytest.fail("a call of get() did not return after func finished", pytrace=False)


# --------------------------------------------------------------------------
# once_per_key


@ONCE
@pytest.mark.contract("returns a function `get(key)` that returns what `func(key)`")
def test_get_returns_what_func_returned(student):
    """get(key) returns the very object func(key) returned, for several kinds of keys"""
    made = {}

    def func(key):
        made[key] = object()
        return made[key]

    get = _make_get(student, func)
    for key in (1, "a", (2, "b"), None, 2.5):
        result = call_student(get, key)
        assert result is made.get(key), (
            f"get({key!r}) returned {safe_repr(result)}, not the object func({key!r}) returned"
        )


@ONCE
@pytest.mark.contract("later calls of `get(key)` return the cached result")
def test_result_is_cached(student):
    """a second get(key) returns the cached object without calling func again"""
    calls = []

    def func(key):
        calls.append(key)
        return [key]

    get = _make_get(student, func)
    first = call_student(get, 1)
    call_student(get, 2)
    again = call_student(get, 1)
    assert again is first, "get(1) a second time should return the cached object itself"
    assert same(calls, [1, 2]), f"func was called with {safe_repr(calls)}; expected [1, 2]"


@ONCE
@pytest.mark.weight(2)
@pytest.mark.deadline(10)
@pytest.mark.contract("While `func(key)` runs, other calls of `get`")
def test_concurrent_callers_wait_for_the_running_call(student):
    """while func(key) runs, other callers of that key wait for it instead of calling func"""
    func = HeldFunc("k")
    get = _make_get(student, func)
    owner, others = _hold_and_start_waiters(get, func, "k", waiters=2)
    called_again = len(func.calls) > 1
    finished_early = [c for c in others if c.done.is_set()]
    _finish([owner, *others], func)
    assert not called_again, (
        "while func('k') was still running, another get('k') called func('k') again: "
        "check-then-act (or functools.cache) lets two threads compute the same key"
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


@ONCE
@pytest.mark.weight(1)
@pytest.mark.deadline(10)
@pytest.mark.contract("Calls with different keys do not wait for each other")
def test_different_keys_run_at_the_same_time(student):
    """func(a) and func(b) run at the same time (no lock held while computing)"""
    barrier = threading.Barrier(2, timeout=2.5)
    met = []

    def func(key):
        try:
            barrier.wait()
            met.append(key)
        except threading.BrokenBarrierError:
            pass
        return key

    get = _make_get(student, func)
    a, b = Caller(get, "a"), Caller(get, "b")
    for c in (a, b):
        if not c.done.wait(6.0):
            pytest.fail("get() did not return within 6 s", pytrace=False)
    assert sorted(met) == ["a", "b"], (
        "func('a') waited 2.5 s for func('b') to start, in vain: a call for one key "
        "should not block calls for another (is one lock held while func runs?)"
    )


@ONCE
@pytest.mark.weight(2)
@pytest.mark.deadline(12)
@pytest.mark.contract("If `func(key)` raises")
def test_an_exception_reaches_every_waiter_and_is_not_cached(student):
    """if func raises, the caller and the waiters raise it, and the next call tries again"""
    error = ValueError("func failed on purpose")
    func = HeldFunc("k", first_raises=error)
    get = _make_get(student, func)
    owner, others = _hold_and_start_waiters(get, func, "k", waiters=2, watch=1.0)
    _finish([owner, *others], func)
    for c in [owner, *others]:
        kind, value = c.outcome
        assert kind == "raised" and value is error, (
            "func('k') raised ValueError; the caller and every get('k') waiting for it should "
            f"raise that same exception, but one {kind} {safe_repr(value)}"
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


@IMAP
@pytest.mark.deadline(30)
@pytest.mark.contract("returns a new `list` with `f(item)` for each item")
def test_results_in_input_order(student, api):
    """returns a list of f(item), in the order of the items"""
    items = [3, 1, 2, 5, 4]
    result = run_map(student, TASKS, "square", items, 2)
    assert same(result, [9, 1, 4, 25, 16]), (
        f"interpreter_map(..., 'square', {items}, 2) returned {safe_repr(result)}; "
        "expected the list [9, 1, 4, 25, 16]"
    )


@IMAP
@pytest.mark.deadline(15)
@pytest.mark.contract("An empty `items` gives `[]`.")
def test_empty_items(student, api):
    """no items give an empty list"""
    result = run_map(student, TASKS, "square", [], 2)
    assert same(result, []), f"interpreter_map with no items returned {safe_repr(result)}, not []"


@IMAP
@pytest.mark.deadline(30)
@pytest.mark.contract("Each call of `f` runs in a subinterpreter")
def test_each_call_runs_in_a_subinterpreter(student, api):
    """each call runs in a subinterpreter of this process, not in the main one"""
    result = run_map(student, TASKS, "where", [0, 1, 2, 3], 2)
    if type(result) is not list or len(result) != 4:
        pytest.fail(f"expected a list of 4 results, got {safe_repr(result)}", pytrace=False)
    for entry in result:
        if type(entry) is not tuple or len(entry) != 3 or type(entry[1]) is not int:
            pytest.fail(f"unexpected result {safe_repr(entry)}", pytrace=False)
        _, where, pid = entry
        assert pid == os.getpid(), "a call ran in another process: use subinterpreters"
        assert where != 0, "a call ran in the main interpreter: run each call in a subinterpreter"


@IMAP
@pytest.mark.deadline(30)
@pytest.mark.contract("Get the subinterpreter API by calling `interp.interpreters()`")
def test_uses_the_course_api(student, api):
    """gets its subinterpreters from interp.interpreters()"""
    run_map(student, TASKS, "square", [1, 2], 2)
    assert api.calls >= 1 and api.created, (
        "interpreter_map did not create its subinterpreters through interp.interpreters()"
    )


@IMAP
@pytest.mark.deadline(10)
@pytest.mark.contract("On a Python without subinterpreters")
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


@IMAP
@pytest.mark.weight(2)
@pytest.mark.deadline(30)
@pytest.mark.contract("Use `workers` subinterpreters, each driven by its own thread")
def test_workers_calls_run_at_the_same_time(student, api):
    """`workers` calls run at the same time (they meet while running)"""
    for workers in (2, 3):
        _meet(student, workers)


def _meet(student, workers):
    meeting = Meeting()
    try:
        items = [meeting.item(i) for i in range(workers)]
        box = {}

        def run():
            box["r"] = call_with_deadline(
                student.interpreter_map, TASKS, "meet", items, workers, timeout=15
            )

        runner = threading.Thread(target=run, daemon=True)
        runner.start()
        met = meeting.count_arrivals(workers, within=8.0)
        meeting.release_all(workers * 2)
        runner.join(16)
        finished, value = box.get("r", (False, None))
        assert met == workers, (
            f"with workers={workers} and {workers} items, only {met} call(s) were running "
            "at the same time: drive each subinterpreter from its own thread"
        )
        if not finished:
            message = "interpreter_map did not return within 15 s: a deadlock or an endless loop?"
            testing.stuck_budget().charge(15, message)  # as testing.call_student would
            pytest.fail(message, pytrace=False)
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


@IMAP
@pytest.mark.deadline(40)
@pytest.mark.contract("so that `workers` calls run at the same time")
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


@IMAP
@pytest.mark.deadline(40)
@pytest.mark.contract("Never use more than `workers` subinterpreters")
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


@IMAP
@pytest.mark.weight(2)
@pytest.mark.deadline(30)
@pytest.mark.contract("raises the exception of the first failing item")
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
