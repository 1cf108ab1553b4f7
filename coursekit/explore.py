"""A small systematic explorer of thread interleavings, in the manner of CHESS.

`Explorer.control(obj, watch=[...])` gives code stand-ins for the locks,
conditions, semaphores and events that `obj` keeps in its attributes, and watches
the attributes it names. (The hidden suites of 02 and 03 use it through
`autograder.explore`; `coursekit.interleavings.explain` is the students' way in.) Under `Explorer.explore` only one of the test's threads
runs at a time. Before each operation on a stand-in or a watched attribute
(a *point*) the running thread stops, and the explorer chooses which thread goes
on. It tries the choices depth-first, with at most `bound` preemptions (a switch
away from a thread that could have gone on), checks an invariant after each
run, and stops at the first run that fails. It bounds the preemptions
iteratively (0, then 1, then 2, ...), as CHESS does, so the failing schedule it
finds has the fewest switches: the shortest story to tell a student.

A schedule is the list of choices. Replaying it repeats the run step for step,
because between two points only one thread runs and nothing the threads share
changes except at points. The explorer checks that: it replays a failing
schedule three times and wants the same steps and the same failure each time.

What it cannot decide, it says, and the suite falls back to its forced schedules:

* code that blocks on something the explorer does not control (a lock made on
  the class, or made lazily inside a method) stops every thread: after
  `stall` seconds without a step the run is abandoned;
* code whose runs differ on the same schedule (it reads the clock, say);
* runs longer than `max_steps` points (a livelock), or more than `max_runs`
  interleavings: then the exploration is incomplete, and the report says so.

Timed waits time out only when no other thread can go on; spurious wake-ups of
a Condition are not explored (the forced schedules test those).

>>> class Counter:
...     def __init__(self):
...         self.value = 0
...     def increment(self):
...         self.value += 1
>>> ex = Explorer()
>>> def setup():
...     c = Counter()
...     ex.control(c, watch=["value"])
...     return c
>>> bump = lambda c: c.increment()
>>> result = ex.explore(setup, [bump, bump], lambda c: None if c.value == 2 else f"value {c.value}")
>>> result.failed, result.replayed
(True, 3)
"""

from __future__ import annotations

import collections
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from .deadline import start

__all__ = [
    "Explorer",
    "Result",
    "Stopped",
    "hook_attributes",
    "instance_attributes",
]

#: Steps of a failing schedule shown in a report.
SHOWN_STEPS = 12
#: Files whose frames are the course's or the standard library's, never the student's.
_OWN_FILES = (
    os.path.dirname(os.path.abspath(__file__)),
    os.path.dirname(os.path.abspath(threading.__file__)),
)


class Stopped(BaseException):
    """Raised in an explored thread whose run was abandoned (a deadlock, a stall)."""


def your_line() -> str:
    """Where the calling thread is in code that is not the course's: "line 12 in put()"."""
    try:
        frame = sys._getframe(2)
        while frame is not None:
            path = os.path.abspath(frame.f_code.co_filename)
            if not path.startswith(_OWN_FILES) and "contextlib" not in path:
                return f"line {frame.f_lineno} in {frame.f_code.co_name}()"
            frame = frame.f_back
    except Exception:  # noqa: BLE001 - a report detail (a sealed kernel refuses frames)
        return ""
    return ""


def brief(value: Any) -> str:
    """A short, safe description of a logged value (ints as they are)."""
    if type(value) in (int, bool) or value is None:
        return repr(value)
    return f"<{type(value).__name__}>"


def instance_attributes(obj: Any) -> dict[str, Any]:
    """Return an object's instance attributes, from its __dict__ and its __slots__."""
    found = dict(getattr(obj, "__dict__", {}))
    for klass in type(obj).__mro__:
        slots = vars(klass).get("__slots__", ())
        for name in [slots] if isinstance(slots, str) else slots:
            if name not in found and name not in ("__dict__", "__weakref__"):
                try:
                    found[name] = getattr(obj, name)
                except AttributeError:
                    pass
    return found


class _HookedAttribute:
    """A data descriptor that calls a hook around an instance attribute's reads and writes."""

    def __init__(self, name: str, inner: Any, hook: Callable) -> None:
        self.name = name
        self.inner = inner
        self.hook = hook

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        before = getattr(self.hook, "before_read", None)
        if before is not None:  # a scheduler's point comes before the read (autograder.explore)
            before(obj, self.name)
        if self.inner is not None:
            value = self.inner.__get__(obj, owner)
        else:
            try:
                value = obj.__dict__[self.name]
            except KeyError:
                raise AttributeError(self.name) from None
        # The value is read before the hook runs: a pause here widens the
        # window between a read and the write that depends on it.
        self.hook("read", obj, self.name, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        self.hook("write", obj, self.name, value)
        if self.inner is not None:
            self.inner.__set__(obj, value)
        else:
            obj.__dict__[self.name] = value

    def __delete__(self, obj: Any) -> None:
        if self.inner is not None:
            self.inner.__delete__(obj)
        else:
            del obj.__dict__[self.name]


def hook_attributes(obj: Any, names: list[str], hook: Callable) -> Callable[[], None]:
    """Route reads and writes of `obj`'s instance attributes `names` through `hook`.

    The object's class is swapped for a subclass holding a data descriptor per
    name, so ``self.value += 1`` inside the student's own methods goes through
    the hook. Slots and plain attributes both work. Returns a function that
    puts the original class back.
    """
    cls = type(obj)
    namespace: dict[str, Any] = {
        "__slots__": (),
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
    }
    for name in names:
        inner = None
        for klass in cls.__mro__:
            if name in vars(klass):
                candidate = vars(klass)[name]
                if hasattr(candidate, "__set__"):
                    inner = candidate
                break
        namespace[name] = _HookedAttribute(name, inner, hook)
    obj.__class__ = type(cls.__name__, (cls,), namespace)

    def undo() -> None:
        obj.__class__ = cls

    return undo


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_RLOCK_TYPE = type(threading.RLock())
#: How a report begins an explored schedule (``autograder._mutants`` counts reports by it).
EXPLORED_HEAD = "The schedule that failed (found by systematic exploration, replayed"


class _Run:
    """One run of the workers under a given prefix of choices."""

    def __init__(self, explorer: Explorer, prefix: list[int], names: list[str]) -> None:
        self.explorer = explorer
        self.prefix = prefix
        self.names = names
        self.lock = threading.Lock()
        self.go = [threading.Event() for _ in names]
        #: Each thread's next operation: (can it go on now?, what it waits for, timed?) or None.
        self.pending: list[tuple[Callable[[], bool] | None, Any, bool] | None] = [None] * len(names)
        self.arrived = 0
        self.done = [False] * len(names)
        self.errors: list[BaseException | None] = [None] * len(names)
        self.yielding = [False] * len(names)
        self.timed_out = [False] * len(names)
        self.current: int | None = None
        #: Per choice: (the threads that could go on, in order, the one chosen, the default).
        self.trace: list[tuple[tuple[int, ...], int, int, bool]] = []
        self.steps: list[tuple[int, str, str]] = []
        self.moves = 0
        self.aborted = False
        self.problem = ""  # why the run is inconclusive
        self.deadlock = ""
        self.finished = threading.Event()
        #: Until every thread has reached its first point, they start one at a time.
        self.starting = True
        self.parked = threading.Event()
        self.acted = [False] * len(names)

    # -- called in the managed threads

    def point(
        self, me: int, enabled: Callable[[], bool] | None, waits_for: Any, timed: bool
    ) -> bool:
        """Stop here until chosen; return False if chosen because a timed wait ran out.

        A thread that has done nothing the others can see since its last point, and
        can go on, just goes on: choosing there would only repeat an interleaving.
        """
        with self.lock:
            if not self.starting and not self.acted[me] and (enabled is None or enabled()):
                self.moves += 1
                return True
            self.pending[me] = (enabled, waits_for, timed)
            if self.starting:
                self.parked.set()  # at its first point: the next thread may start
            else:
                self._choose_and_hand(me)
        self._wait_turn(me)
        self.acted[me] = False
        out = not self.timed_out[me]
        self.timed_out[me] = False
        return out

    def step(self, me: int, what: str) -> None:
        self.acted[me] = True
        self.steps.append((me, what, self.explorer.where()))

    def abort(self) -> None:
        """End the run: every thread waiting for its turn raises `Stopped` at once."""
        self.aborted = True
        self.finished.set()
        for go in self.go:
            go.set()

    def _wait_turn(self, me: int) -> None:
        while not self.go[me].wait(0.05):
            if self.aborted:
                raise Stopped("the exploration of this run was abandoned")
        if self.aborted:
            raise Stopped("the exploration of this run was abandoned")
        self.go[me].clear()

    def body(self, me: int, func: Callable[[Any], Any], state: Any) -> None:
        self.explorer._local.ctx = (self, me)
        with self.lock:
            self.pending[me] = (None, None, False)
            self.arrived += 1
        try:
            self._wait_turn(me)
            func(state)
        except Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - the student's error is reported
            self.errors[me] = exc
        with self.lock:
            self.done[me] = True
            self.pending[me] = None
            if self.starting:
                self.parked.set()
            elif not self.aborted:
                self._choose_and_hand(me)

    # -- choosing

    def _can_go(self, t: int) -> bool:
        p = self.pending[t]
        return p is not None and not self.done[t] and (p[0] is None or p[0]())

    def _choose_and_hand(self, me: int) -> None:
        self.moves += 1
        n = len(self.names)
        enabled = [t for t in range(n) if self._can_go(t)]
        timed_out = False
        if not enabled:
            # Only when nobody else can go on does a timed wait run out.
            enabled = [t for t in range(n) if self.pending[t] is not None and self.pending[t][2]]
            timed_out = True
        if not enabled:
            if all(self.done):
                self.finished.set()
            else:
                self.deadlock = self._cycle()
                self.abort()
            return
        if self.moves > self.explorer.max_steps:
            self.problem = f"a run went past {self.explorer.max_steps} steps (threads spinning?)"
            self.abort()
            return
        current_can_go = me in enabled
        after = [t for t in enabled if t > me] + [t for t in enabled if t <= me]
        if current_can_go and not self.yielding[me]:
            default = me
        else:
            others = [t for t in after if t != me]
            default = others[0] if others else after[0]
        order = (default, *[t for t in after if t != default])
        k = len(self.trace)
        if k < len(self.prefix):
            chosen = self.prefix[k]
            if chosen not in order:
                self.problem = "the same schedule went differently on a second run"
                self.abort()
                return
        else:
            chosen = default
        self.trace.append((order, chosen, default, current_can_go))
        self.yielding[me] = False
        if timed_out:
            self.timed_out[chosen] = True
            self.yielding[chosen] = True
        self.pending[chosen] = None
        self.current = chosen
        self.go[chosen].set()

    def _cycle(self) -> str:
        """Describe who waits for what, and who holds it, when no thread can go on."""
        parts = []
        for t, p in enumerate(self.pending):
            if p is None or self.done[t]:
                continue
            what = p[1]
            who = repr(self.names[t])
            if isinstance(what, ControlledLock):
                held = [lk.name for lk in self.explorer._locks if lk.owner == t]
                holder = what.owner
                parts.append(
                    f"thread {who} holds {', '.join(held) or 'no lock'} and waits for {what.name}"
                    + (f" (held by {self.names[holder]!r})" if isinstance(holder, int) else "")
                )
            elif isinstance(what, ControlledCondition):
                parts.append(
                    f"thread {who} waits on {what.name}, and no thread is left to notify it"
                )
            elif what is not None:
                parts.append(f"thread {who} waits for {what.name}")
        return "; ".join(parts)


class Result:
    """What an exploration found."""

    def __init__(self) -> None:
        self.runs = 0  # every run, at every bound
        self.explored = 0  # distinct interleavings at the last bound tried
        self.bound = 0
        self.complete = False
        self.failure = ""
        self.schedule: list[int] = []
        self.report = ""
        self.inconclusive = ""
        self.replayed = 0
        self.seconds = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.failure)

    def summary(self) -> str:
        """One line: what was explored and what was found."""
        pre = f"at most {self.bound} preemption{'s' if self.bound != 1 else ''}"
        if self.inconclusive:
            return f"systematic exploration was inconclusive ({self.inconclusive})"
        if self.failed:
            return (
                f"systematic exploration found a failing interleaving after trying "
                f"{self.explored} with {pre}"
            )
        if self.complete:
            return f"systematic exploration tried all {self.explored} interleavings with {pre}; none fails"
        return (
            f"systematic exploration tried the first {self.explored} interleavings with {pre} "
            "(its limit); none fails"
        )


class Explorer:
    """Explore the interleavings of a few threads over objects it controls."""

    def __init__(
        self,
        bound: int = 2,
        max_runs: int = 2000,
        max_steps: int = 400,
        stall: float = 0.5,
        budget: float = 8.0,
        shrink: int = 100,
        slow: float = 0.25,
        where: Callable[[], str] = your_line,
    ) -> None:
        self.where = where
        self.slow = slow
        self.bound = bound
        self.shrink = shrink
        self.max_runs = max_runs
        self.max_steps = max_steps
        self.stall = stall
        self.budget = budget
        self._local = threading.local()
        self._locks: list[ControlledLock] = []
        self._tester: threading.Thread | None = None
        self.running = False  # a run is under way (not setup, not check)
        self.foreign = False

    # -- what suites call

    def control(self, obj: Any, watch: list[str] = ()) -> list[str]:
        """Swap controlled stand-ins for the primitives in `obj`'s attributes, and make
        every read and write of the attributes named in `watch` a point.

        Returns the names of the attributes swapped. Call it in `setup`, right
        after building the object.
        """
        swapped = []
        made: dict[int, Any] = {}
        for name, value in instance_attributes(obj).items():
            new = self._stand_in(name, value, made)
            if new is None:
                if isinstance(value, queue.Queue) and value is not obj:
                    self.control(value)
                continue
            try:
                setattr(obj, name, new)
            except (AttributeError, TypeError):
                continue
            swapped.append(name)
        if watch:
            hook_attributes(obj, list(watch), _Access(self))
        return swapped

    def _stand_in(self, name: str, value: Any, made: dict[int, Any]) -> Any:
        if id(value) in made:
            return made[id(value)]
        new: Any = None
        if isinstance(value, _LOCK_TYPES):
            new = ControlledLock(self, name, reentrant=isinstance(value, _RLOCK_TYPE))
            self._locks.append(new)
        elif isinstance(value, threading.Condition):
            lock = self._stand_in(f"{name}'s lock", value._lock, made)
            if lock is None:
                return None
            new = ControlledCondition(self, name, lock)
        elif isinstance(value, threading.Semaphore):
            new = ControlledSemaphore(self, name, value._value)
        elif isinstance(value, threading.Event):
            new = ControlledEvent(self, name, value.is_set())
        if new is not None:
            made[id(value)] = new
        return new

    def explore(
        self,
        setup: Callable[[], Any],
        workers: list[Callable[[Any], Any]],
        check: Callable[[Any], str | None],
        names: list[str] | None = None,
    ) -> Result:
        """Run `workers` (each called with setup()'s state) in every interleaving within
        the bound; after each run, `check(state)` returns a failure message or None."""
        names = names or [f"T{i}" for i in range(len(workers))]
        real_sleep = time.sleep
        time.sleep = self._sleeper(real_sleep)
        self._tester, self.foreign = threading.current_thread(), False
        try:
            return self._explore(setup, workers, check, names)
        finally:
            time.sleep = real_sleep

    def _sleeper(self, real_sleep: Callable[[float], None]) -> Callable[[float], None]:
        """time.sleep for the explored threads: a point at which the thread lets the
        others go first (as CHESS treats a yield), without sleeping; others really sleep."""

        def sleep(seconds: float) -> None:
            # Every other thread of the process (the kernel's, the harness's) really sleeps.
            ctx = getattr(self._local, "ctx", None)
            if ctx is None or ctx[0].aborted:
                real_sleep(seconds)
                return
            run, me = ctx
            run.yielding[me] = run.acted[me] = True
            run.point(me, None, None, False)
            run.step(me, f"sleeps {seconds:g} s")

        return sleep

    def _explore(self, setup, workers, check, names) -> Result:
        result = Result()
        began = time.monotonic()
        for bound in range(self.bound + 1):
            result.bound, result.explored = bound, 0
            prefix: list[int] = []
            while True:
                if result.runs >= self.max_runs:
                    result.seconds = time.monotonic() - began
                    return result  # incomplete (the same on every run): the summary says so
                if time.monotonic() - began > self.budget:
                    # Where a slow machine would stop is luck: say so, and let the suite fall back.
                    result.inconclusive = f"it ran out of its {self.budget:g} s budget"
                    result.seconds = time.monotonic() - began
                    return result
                try:
                    run, state = self._run(setup, workers, names, prefix)
                except Exception as exc:  # noqa: BLE001 - other tests judge a setup that fails
                    result.inconclusive = f"setting up raised {type(exc).__name__}"
                    return result
                result.runs += 1
                result.explored += 1
                if result.runs == 1 and not run.problem and time.monotonic() - began > self.slow:
                    # Honest code takes a millisecond or two per run, a loaded machine ten;
                    # code that waits out real time (a sleep imported by name) would use up
                    # the budget, so it is left to the forced schedules from the start.
                    run.problem = (
                        f"one run took {time.monotonic() - began:.2f} s: the code sleeps or "
                        "waits on something the explorer does not control"
                    )
                if self.foreign:
                    run.problem = "the code ran in a thread the explorer did not start"
                if run.problem:
                    result.inconclusive = run.problem
                    result.seconds = time.monotonic() - began
                    return result
                failure = self._failure(run, state, check)
                if failure:
                    run, failure = self._shortest(run, failure, setup, workers, check, names, bound)
                    self._explain(result, run, failure, setup, workers, check, names)
                    result.seconds = time.monotonic() - began
                    return result
                prefix = self._next(run.trace, bound)
                if prefix is None:
                    break
        result.complete = True
        result.seconds = time.monotonic() - began
        return result

    # -- inside

    def _ctx(self) -> tuple[_Run, int] | None:
        """(run, thread number) in an explored thread; None in the test's own thread.

        A thread the explorer did not start (one the student's code started, say)
        that touches a controlled object during a run cannot be scheduled: the run
        is abandoned, and the exploration is inconclusive.
        """
        ctx = getattr(self._local, "ctx", None)
        if ctx is None and self.running and threading.current_thread() is not self._tester:
            self.foreign = True
            raise Stopped("a thread the explorer did not start used a controlled object")
        return ctx

    def _run(self, setup, workers, names, prefix) -> tuple[_Run, Any]:
        self._locks = []
        state = setup()
        run = _Run(self, prefix, names)
        self.running = True
        try:
            return self._run_started(run, state, workers, names)
        finally:
            self.running = False

    def _run_started(self, run: _Run, state: Any, workers, names) -> tuple[_Run, Any]:
        threads = [
            start(run.body, (i, f, state), name=n)[1]
            for i, (f, n) in enumerate(zip(workers, names, strict=True))
        ]
        end = time.monotonic() + self.stall * 4
        while True:  # every thread waiting for its first turn
            with run.lock:
                if run.arrived == len(workers):
                    break
            if time.monotonic() > end:
                run.problem = "the threads did not start"
                run.abort()
                return run, state
            time.sleep(0.001)
        # Each runs alone to its first point (what it does before, the others can't see).
        for i in range(len(workers)):
            run.parked.clear()
            run.go[i].set()
            if not run.parked.wait(self.stall):
                run.problem = (
                    f"thread {names[i]!r} blocked on something the explorer does not control"
                )
                run.abort()
                return run, state
        with run.lock:
            run.starting = False
            run._choose_and_hand(-1)  # no thread runs yet: the first choice is free
        seen, last = -1, time.monotonic()
        while not run.finished.wait(0.01):
            if run.moves != seen:
                seen, last = run.moves, time.monotonic()
            elif time.monotonic() - last > self.stall:
                who = run.names[run.current] if run.current is not None else "a thread"
                run.problem = f"thread {who!r} blocked on something the explorer does not control"
                run.abort()
                return run, state
        for th in threads:
            th.join(self.stall)
        return run, state

    def _failure(self, run: _Run, state: Any, check) -> str:
        if run.deadlock:
            return f"Deadlock: {run.deadlock}."
        for name, exc in zip(run.names, run.errors, strict=True):
            if exc is not None:
                return f"thread {name!r} raised {type(exc).__name__}: {exc}"
        return check(state) or ""

    def _next(self, trace, bound) -> list[int] | None:
        """The prefix of the next run depth-first, within `bound` preemptions, or None."""
        used = [0]
        for _order, chosen, default, current_can_go in trace:
            used.append(used[-1] + (chosen != default and current_can_go))
        for d in range(len(trace) - 1, -1, -1):
            order, chosen, default, current_can_go = trace[d]
            for alt in order[order.index(chosen) + 1 :]:
                if used[d] + (alt != default and current_can_go) <= bound:
                    return [c for _, c, _, _ in trace[:d]] + [alt]
        return None

    def _shortest(self, run, failure, setup, workers, check, names, bound):
        """Among the failing runs of the next `shrink` runs at this bound, the one with
        the fewest steps (the first found on a tie): the shortest story of the bug."""
        best = (len(run.steps), run, failure)
        prefix = self._next(run.trace, bound)
        for _ in range(self.shrink):
            if prefix is None:
                break
            other, state = self._run(setup, workers, names, prefix)
            if other.problem:
                break
            why = self._failure(other, state, check)
            if why and len(other.steps) < best[0]:
                best = (len(other.steps), other, why)
            prefix = self._next(other.trace, bound)
        return best[1], best[2]

    def _explain(self, result, run, failure, setup, workers, check, names) -> None:
        schedule = [c for _, c, _, _ in run.trace]
        shown = self._shown(run)
        same = 0
        for _ in range(3):
            again, state = self._run(setup, workers, names, schedule)
            if (
                again.problem
                or self._shown(again) != shown
                or self._failure(again, state, check) != failure
            ):
                break
            same += 1
        result.failure, result.schedule, result.replayed = failure, schedule, same
        steps = run.steps[-SHOWN_STEPS:]
        lines = [
            f"{EXPLORED_HEAD} {same} of 3 times with the same result; {len(steps)} steps"
            + (f", the last of {len(run.steps)}" if len(steps) < len(run.steps) else "")
            + f"; {result.explored} interleaving(s) tried with at most {result.bound} "
            f"preemption(s)):"
        ]
        first = len(run.steps) - len(steps)
        for k, (t, what, where) in enumerate(steps, start=first + 1):
            lines.append(f"  {k:>3}. {run.names[t]!r}: {what}" + (f"  ({where})" if where else ""))

        result.report = "\n".join(lines)

    def _shown(self, run: _Run) -> list[tuple[int, str, str]]:
        return list(run.steps)


class _Access:
    """The hook on watched attributes: a point before every read and every write."""

    def __init__(self, explorer: Explorer) -> None:
        self.explorer = explorer

    def before_read(self, obj: Any, name: str) -> None:
        ctx = self.explorer._ctx()
        if ctx is not None:  # not the test's own reads
            ctx[0].point(ctx[1], None, None, False)

    def __call__(self, kind: str, obj: Any, name: str, value: Any) -> None:
        ctx = self.explorer._ctx()
        if ctx is None:
            return
        run, me = ctx
        if kind == "read":
            run.step(me, f"reads {name} -> {brief(value)}")
        else:
            run.point(me, None, None, False)
            run.step(me, f"writes {name} <- {brief(value)}")


class ControlledLock:
    """A Lock (or, with `reentrant`, an RLock) whose every acquire and release is a point."""

    def __init__(self, explorer: Explorer, name: str, reentrant: bool = False) -> None:
        self.explorer = explorer
        self.name = name
        self.reentrant = reentrant
        self.owner: Any = None
        self.count = 0

    def _free_for(self, me: Any) -> bool:
        return self.owner is None or (self.reentrant and self.owner == me)

    def _take(self, me: Any) -> None:
        self.owner = me
        self.count += 1

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        ctx = self.explorer._ctx()
        if ctx is None:  # the test's own thread, outside a run
            if not self._free_for("test"):
                return False
            self._take("test")
            return True
        run, me = ctx
        if not blocking or timeout == 0:
            run.point(me, None, None, False)
            if self._free_for(me):
                self._take(me)
                run.step(me, f"takes {self.name}")
                return True
            run.yielding[me] = True
            run.step(me, f"tries {self.name}, which is taken")
            return False
        if run.point(me, lambda: self._free_for(me), self, timeout is not None and timeout >= 0):
            self._take(me)
            run.step(me, f"takes {self.name}")
            return True
        run.step(me, f"gives up waiting for {self.name}")
        return False

    def release(self) -> None:
        ctx = self.explorer._ctx()
        me = "test" if ctx is None else ctx[1]
        if ctx is not None:
            ctx[0].point(me, None, None, False)
        if self.owner is None or (self.reentrant and self.owner != me):
            raise RuntimeError("release unlocked lock")
        self.count -= 1
        if self.count == 0:
            self.owner = None
        if ctx is not None:
            ctx[0].step(me, f"releases {self.name}")

    def locked(self) -> bool:
        return self.owner is not None

    def _is_owned(self) -> bool:
        ctx = self.explorer._ctx()
        return self.owner == ("test" if ctx is None else ctx[1])

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<ControlledLock {self.name}>"


class ControlledCondition:
    """A Condition on a `ControlledLock`: waits, wake-ups and notifies are points.

    Waiters are woken first come, first served, as CPython's Condition does.
    """

    def __init__(self, explorer: Explorer, name: str, lock: ControlledLock) -> None:
        self.explorer = explorer
        self.name = name
        self._lock = lock
        self._waiters: collections.deque[dict[str, Any]] = collections.deque()

    def acquire(self, *args: Any) -> bool:
        return self._lock.acquire(*args)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: Any) -> None:
        self._lock.release()

    def _is_owned(self) -> bool:
        return self._lock._is_owned()

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        ctx = self.explorer._ctx()
        if ctx is None:
            return False  # the test's own thread: nobody could notify it
        run, me = ctx
        lock = self._lock
        run.point(me, None, None, False)
        entry = {"notified": False}
        self._waiters.append(entry)
        saved, lock.owner, lock.count = lock.count, None, 0
        limit = "" if timeout is None else f" for at most {timeout:g} s"
        run.step(me, f"waits on {self.name}{limit} (letting go of {lock.name})")
        woken = run.point(me, lambda: entry["notified"], self, timeout is not None)
        if not woken and entry in self._waiters:
            self._waiters.remove(entry)
        run.step(
            me, f"is woken on {self.name}" if woken else f"stops waiting on {self.name}: timed out"
        )
        run.point(me, lambda: lock.owner is None, lock, False)
        lock.owner, lock.count = me, saved
        run.step(me, f"takes {lock.name} back")
        return woken

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        result = predicate()
        while not result:
            if not self.wait(timeout) and timeout is not None:
                return predicate()
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        ctx = self.explorer._ctx()
        if ctx is not None:
            ctx[0].point(ctx[1], None, None, False)
        waiting = len(self._waiters)
        for _ in range(min(n, waiting)):
            self._waiters.popleft()["notified"] = True
        if ctx is not None:
            what = "notify()" if n == 1 else ("notify_all()" if n >= 1 << 30 else f"notify({n})")
            ctx[0].step(ctx[1], f"calls {what} on {self.name} ({waiting} waiting)")

    def notify_all(self) -> None:
        self.notify(1 << 30)


class ControlledSemaphore:
    """A Semaphore whose acquires and releases are points."""

    def __init__(self, explorer: Explorer, name: str, value: int) -> None:
        self.explorer = explorer
        self.name = name
        self._value = value

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        ctx = self.explorer._ctx()
        if ctx is None:
            if self._value <= 0:
                return False
            self._value -= 1
            return True
        run, me = ctx
        if not blocking:
            run.point(me, None, None, False)
            if self._value > 0:
                self._value -= 1
                run.step(me, f"takes {self.name}")
                return True
            run.yielding[me] = True
            return False
        if run.point(me, lambda: self._value > 0, self, timeout is not None):
            self._value -= 1
            run.step(me, f"takes {self.name}")
            return True
        run.step(me, f"gives up waiting for {self.name}")
        return False

    def release(self, n: int = 1) -> None:
        ctx = self.explorer._ctx()
        if ctx is not None:
            ctx[0].point(ctx[1], None, None, False)
        self._value += n
        if ctx is not None:
            ctx[0].step(ctx[1], f"releases {self.name}")

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


class ControlledEvent:
    """An Event whose waits and sets are points."""

    def __init__(self, explorer: Explorer, name: str, flag: bool) -> None:
        self.explorer = explorer
        self.name = name
        self._flag = flag

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        ctx = self.explorer._ctx()
        if ctx is not None:
            ctx[0].point(ctx[1], None, None, False)
            ctx[0].step(ctx[1], f"sets {self.name}")
        self._flag = True

    def clear(self) -> None:
        ctx = self.explorer._ctx()
        if ctx is not None:
            ctx[0].point(ctx[1], None, None, False)
            ctx[0].step(ctx[1], f"clears {self.name}")
        self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        ctx = self.explorer._ctx()
        if ctx is None:
            return self._flag
        run, me = ctx
        got = run.point(ctx[1], lambda: self._flag, self, timeout is not None)
        run.step(
            me, f"sees {self.name} set" if got else f"stops waiting for {self.name}: timed out"
        )
        return self._flag
