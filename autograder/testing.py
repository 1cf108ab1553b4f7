"""Helpers for hidden suites: watch threads, count concurrency, wait with deadlines.

Every wait here has a deadline; nothing sleeps "long enough" and hopes.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from coursekit.deadline import finished, name_of, start


class Exercise:
    """The marks a hidden test carries, given in one decorator.

    ``BUFFER = Exercise("bounded_buffer")`` names the exercise once per suite;
    ``@BUFFER("a contract sentence", weight=2, deadline=6)`` then marks a test
    with ``exercise``, ``contract`` (one or more sentences), and, when given,
    ``weight`` (default 1) and ``deadline`` (default: the per-test deadline).
    The harness and ``autograder.contracts`` read the marks, not this object.

    >>> @Exercise("double")("doubles its argument", weight=2)
    ... def test_doubles(student): ...
    >>> sorted((m.name, m.args) for m in test_doubles.pytestmark)
    [('contract', ('doubles its argument',)), ('exercise', ('double',)), ('weight', (2,))]
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(
        self, *sentences: str, weight: float | None = None, deadline: float | None = None
    ) -> Callable[[Callable], Callable]:
        if not sentences:
            raise TypeError("a hidden test names the contract sentence(s) it checks")
        marks = [pytest.mark.exercise(self.name), pytest.mark.contract(*sentences)]
        if weight is not None:
            marks.append(pytest.mark.weight(weight))
        if deadline is not None:
            marks.append(pytest.mark.deadline(deadline))

        def mark(test: Callable) -> Callable:
            for each in marks:
                test = each(test)
            return test

        return mark


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.002) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass; return its last value.

    >>> wait_until(lambda: True, timeout=1)
    True
    """
    end = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= end:
            return bool(predicate())
        time.sleep(interval)


def thread_alive(thread: threading.Thread) -> bool:
    """Ask `threading.Thread`'s own is_alive, which a subclass cannot override.

    A thread it cannot judge (one threading did not start) counts as alive.
    """
    try:
        return bool(threading.Thread.is_alive(thread))
    except Exception:  # noqa: BLE001 - e.g. a _DummyThread, or a broken subclass
        return True


def thread_name(thread: threading.Thread) -> str:
    """Return `thread`'s name as Thread stores it, never a subclass's property; bounded."""
    try:
        name = threading.Thread.name.fget(thread)
    except Exception:  # noqa: BLE001
        return "?"
    return name[:80] if type(name) is str else "?"


def _innermost(frame: Any, functions: tuple[str, ...], file_end: str) -> Any:
    """The innermost frame from `frame` outwards that runs one of `functions` defined in
    a file whose name ends with `file_end`, or None."""
    while frame is not None:
        code = frame.f_code
        if code.co_name in functions and code.co_filename.endswith(file_end):
            return frame
        frame = frame.f_back
    return None


def _ident(thread: Any) -> int | None:
    ident = threading.Thread.ident.fget(thread) if isinstance(thread, threading.Thread) else None
    return ident if type(ident) is int else None


def joining(thread: threading.Thread | None) -> bool:
    """Whether `thread` is waiting in threading's `Thread.join` (for some thread).

    The seal lets this function (and `join_timeout`) look at other threads' stacks in a
    grading kernel; both return what they found, never a frame.
    """
    ident = _ident(thread)
    frame = None if ident is None else sys._current_frames().get(ident)
    return _innermost(frame, ("join", "_wait_for_tstate_lock"), "threading.py") is not None


def join_timeout(thread: threading.Thread | None) -> tuple[bool, Any]:
    """(True, the timeout it was given) if `thread` waits in `multiprocessing`'s
    `Process.join`, else (False, None)."""
    ident = _ident(thread)
    frame = None if ident is None else sys._current_frames().get(ident)
    found = _innermost(frame, ("join",), os.path.join("multiprocessing", "process.py"))
    return (False, None) if found is None else (True, found.f_locals.get("timeout"))


class HeldAtExit:
    """Hold a thread at its very end, to see whether someone waits for it to end.

    Kept in a `threading.local()` by code that runs in that thread. When a thread ends,
    CPython clears its thread-locals before the thread counts as finished (before
    `is_alive()` turns False and `join()` returns), so `__del__` runs in the ending thread,
    which waits there until `joined()` says that someone has begun to join it, or
    `released` is set, or `limit` seconds have passed. Code that waits for the thread
    itself goes on at once; code that waits only for something the thread did before it
    ended (a count, an Event, a lock) sees it still alive, every time.

    `joined` must not look at frames: in a grading kernel this runs in the student's
    thread, where the seal refuses to show the hidden suite's code. Count calls of the
    thread's `join` instead (`FastJoins.joins`), or use `joining` on a thread that runs
    no code of the hidden suite.
    """

    def __init__(self, released: threading.Event, joined: Callable[[], bool], limit: float) -> None:
        self.released = released
        self.joined = joined
        self.limit = limit

    def __del__(self) -> None:
        try:
            hold_until(self.joined, self.released, self.limit)
        except BaseException:  # noqa: BLE001, S110 - never raise in a thread's teardown
            pass


def hold_until(done: Callable[[], bool], released: threading.Event, limit: float) -> bool:
    """Wait in this thread until `done()` is true or `released` is set; False if
    `limit` seconds pass first. It looks every 5 ms, so `done` must be cheap.

    >>> hold_until(lambda: True, threading.Event(), 60.0)
    True
    >>> hold_until(lambda: False, threading.Event(), 0.02)
    False
    """
    end = time.monotonic() + limit
    while not (released.is_set() or done()):
        if time.monotonic() >= end:
            return False
        released.wait(0.005)
    return True


class ThreadWatch:
    """Remember which threads existed, to find the ones started since.

    A Jupyter kernel runs threads of its own, so count by difference. Threads
    are told apart by identity: a Thread subclass may fake __eq__ and __hash__.

    >>> watch = ThreadWatch()
    >>> t = threading.Thread(target=time.sleep, args=(0.05,)); t.start()
    >>> t in watch.new_alive()
    True
    """

    def __init__(self) -> None:
        # Keep the threads, so that their ids stay theirs.
        self.before = {id(t): t for t in threading.enumerate()}

    def new_alive(self) -> list[threading.Thread]:
        return [t for t in threading.enumerate() if id(t) not in self.before and thread_alive(t)]

    def settle(self, timeout: float = 1.0) -> list[threading.Thread]:
        """Wait up to `timeout` for new threads to end; return those still alive."""
        wait_until(lambda: not self.new_alive(), timeout)
        return self.new_alive()


class ConcurrencyProbe:
    """Count how many callers are inside at once, with the maximum reached.

    >>> probe = ConcurrencyProbe()
    >>> with probe:
    ...     probe.active
    1
    >>> probe.peak
    1
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.entered = 0
        self.threads: set[int] = set()

    def __enter__(self) -> ConcurrencyProbe:
        with self._lock:
            self.active += 1
            self.entered += 1
            self.peak = max(self.peak, self.active)
            self.threads.add(threading.get_ident())
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self.active -= 1


class StuckBudget:
    """Seconds one exercise may lose to student code that never returns.

    The harness owns one per exercise run (``run_suite``): a test that runs past its
    deadline is charged here, and so is a call made through :func:`call_student`
    that does not return in time. Once the budget is spent, the exercise's
    remaining tests fail at once as "not run", instead of each waiting again.
    Outside the harness the budget is unlimited.

    >>> b = StuckBudget(4)
    >>> b.charge(3, "f() hung"); b.spent_out()
    False
    >>> b.charge(3, "g() hung"); b.spent_out(), b.first
    (True, 'f() hung')
    """

    def __init__(self, seconds: float = float("inf")) -> None:
        self.seconds = seconds
        self.spent = 0.0
        self.first = ""

    def charge(self, seconds: float, why: str) -> None:
        self.spent += seconds
        self.first = self.first or why

    def spent_out(self) -> bool:
        return self.spent >= self.seconds

    def check(self) -> None:
        """Fail the running test as "not run" once the budget is spent."""
        if self.spent_out():
            import pytest

            pytest.fail(
                f"not run: earlier tests of this exercise got stuck for {self.spent:.0f} s "
                f"(first: {self.first})",
                pytrace=False,
            )


#: The budget of the exercise being graded; the harness puts its own here for a run.
_BUDGETS: list[StuckBudget] = [StuckBudget()]


def stuck_budget() -> StuckBudget:
    """The stuck budget of the exercise being graded now."""
    return _BUDGETS[-1]


def call_student(
    func: Callable,
    *args: Any,
    timeout: float,
    what: str | None = None,
    hint: str = "a deadlock or an endless loop?",
) -> Any:
    """Call student code with a deadline, charged to the exercise's one stuck budget.

    Returns what ``func(*args)`` returned, or the exception it raised (for the test
    to judge, as :func:`call_with_deadline` does). A call that does not return
    within `timeout` charges `timeout` to :func:`stuck_budget` and fails the test
    with "`what` did not return within `timeout` s: `hint`"; once the budget is
    spent, later calls fail at once as "not run". Use :func:`call_with_deadline`
    only where a call that does not return in time is not a failure.
    """
    budget = stuck_budget()
    budget.check()
    done, value = call_with_deadline(func, *args, timeout=timeout)
    if not done:
        message = f"{what or name_of(func) + '()'} did not return within {timeout:g} s: {hint}"
        budget.charge(timeout, message)
        import pytest

        pytest.fail(message, pytrace=False)
    return value


def call_with_deadline(func: Callable, *args: Any, timeout: float) -> tuple[bool, Any]:
    """Run func(*args) in a daemon thread; return (finished, result or exception).

    Use it where a test calls student code that might block for ever, to turn a
    hang into a readable failure instead of the whole test's deadline.
    """
    future, thread = start(func, args, name=f"call-{name_of(func)}")
    if not finished(thread, timeout):
        return False, None
    error = future.exception()
    return True, future.result() if error is None else error


def student_spaces(student: Any, *funcs: Any) -> list[dict]:
    """The student's namespaces, where a ``from module import name`` binds a name: the
    notebook's (`student`, as the harness hands it to a test) and the globals each of
    `funcs` runs with."""
    spaces, seen = [], set()
    for space in [getattr(student, "_mapping", None)] + [
        getattr(f, "__globals__", None) for f in funcs
    ]:
        if type(space) is dict and id(space) not in seen:
            seen.add(id(space))
            spaces.append(space)
    return spaces


def names_bound_to(obj: Any, spaces: list[dict]) -> list[tuple[dict, str]]:
    """Every (namespace, name) in `spaces` that holds `obj` itself."""
    return [
        (space, name) for space in spaces for name, value in list(space.items()) if value is obj
    ]


@contextlib.contextmanager
def swapped(module: Any, name: str, new: Any, spaces: list[dict] = ()) -> Iterator[Any]:
    """Bind ``module.name`` to `new`, and every name in `spaces` (`student_spaces`) that
    holds the old value, such as a ``from time import monotonic``; put all back after.
    Yields the old value. A suite that swaps a library module's name this way lists the
    module in its ``LIBRARY_WRITES``.

    >>> import math
    >>> space = {"floor": math.floor}
    >>> with swapped(math, "floor", round, [space]) as real:
    ...     math.floor(2.7), space["floor"](2.7), real(2.7)
    (3, 3, 2)
    >>> math.floor(2.7), space["floor"](2.7)
    (2, 2)
    """
    old = getattr(module, name)
    places = names_bound_to(old, list(spaces))
    setattr(module, name, new)
    for space, bound in places:
        space[bound] = new
    try:
        yield old
    finally:
        setattr(module, name, old)
        for space, bound in places:
            space[bound] = old
