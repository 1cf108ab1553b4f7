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

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from ..deadline import start
from ._attributes import (
    SHOWN_STEPS,
    Stopped,
    brief,
    hook_attributes,
    instance_attributes,
    your_line,
)
from ._primitives import ControlledCondition, ControlledEvent, ControlledLock, ControlledSemaphore
from ._run import SLEPT, _Run, shared_keys

__all__ = [
    "EXPLORED_HEAD",
    "Explorer",
    "Result",
    "Stopped",
    "brief",
    "hook_attributes",
    "instance_attributes",
    "shared_keys",
    "your_line",
]

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_RLOCK_TYPE = type(threading.RLock())
#: How a report begins an explored schedule (``autograder._mutants`` counts reports by it).
EXPLORED_HEAD = "The schedule that failed (found by systematic exploration, replayed"


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
        stall: float = 1.0,
        budget: float = 8.0,
        shrink: int = 100,
        slow: float = 1.0,
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

    def control(self, obj: Any, watch: list[str] = (), label: str = "") -> list[str]:
        """Swap controlled stand-ins for the primitives in `obj`'s attributes, and make
        every read and write of the attributes named in `watch` a point. A report
        names them ``label.name`` when `label` is given, else ``name``.

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
            hook_attributes(obj, list(watch), _Access(self, label))
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
            line = self.where()
            if line:  # a sleep in the student's code; the course's own are not steps of theirs
                run.note(me, f"sleeps {seconds:g} s (the others go first)", line, SLEPT)

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
        # An error first: the threads left behind a thread that died may well be stuck.
        for name, exc in zip(run.names, run.errors, strict=True):
            if exc is not None:
                return f"thread {name!r} raised {type(exc).__name__}: {exc}"
        if run.deadlock:
            return f"Deadlock: {run.deadlock}."
        return check(state) or ""

    def note(self, what: str) -> None:
        """Record a step that no stand-in sees ("is inside as a writer"), in an explored
        thread; nothing elsewhere."""
        ctx = getattr(self._local, "ctx", None)
        if ctx is not None and self.running:
            ctx[0].note(ctx[1], what)

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
        # Up to the moment a worker raised (a broken rule), else to the end of the run;
        # of those, the steps on what the threads share (`_Run.that_matter`), the last
        # SHOWN_STEPS of them. Each keeps its number in the run.
        end = len(run.steps) if run.failed_at is None else run.failed_at
        kept = run.that_matter(end)
        shown_steps = kept[-SHOWN_STEPS:]
        if len(kept) < end:
            which = f"{len(shown_steps)} steps on what the threads share"
            which = (
                f"the last {which}" if len(kept) > len(shown_steps) else which
            ) + f" (of {end})"
        else:
            which = f"{len(shown_steps)} steps" + (
                f", the last of {end}" if end > len(shown_steps) else ""
            )
        lines = [
            f"{EXPLORED_HEAD} {same} of 3 times with the same result; {which}"
            + (" before it failed" if run.failed_at is not None else "")
            + f"; {result.explored} interleaving(s) tried with at most {result.bound} "
            f"preemption(s)):"
        ]
        for k in shown_steps:
            t, what, where = run.steps[k]
            lines.append(
                f"  {k + 1:>3}. {run.names[t]!r}: {what}" + (f"  ({where})" if where else "")
            )

        result.report = "\n".join(lines)

    def _shown(self, run: _Run) -> list[tuple[int, str, str]]:
        return list(run.steps)


class _Access:
    """The hook on watched attributes: a point before every read and every write."""

    def __init__(self, explorer: Explorer, label: str = "") -> None:
        self.explorer = explorer
        self.label = label

    def before_read(self, obj: Any, name: str) -> None:
        ctx = self.explorer._ctx()
        if ctx is not None:  # not the test's own reads
            ctx[0].point(ctx[1], None, None, False)

    def __call__(self, kind: str, obj: Any, name: str, value: Any) -> None:
        ctx = self.explorer._ctx()
        if ctx is None:
            return
        run, me = ctx
        shown = f"{self.label}.{name}" if self.label else name
        if kind == "read":
            run.step(me, f"reads {shown} -> {brief(value)}", (obj, name), changes=False)
        else:
            run.point(me, None, None, False)
            run.step(me, f"writes {shown} <- {brief(value)}", (obj, name))
