"""One run of the explored threads under a given prefix of choices."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._attributes import Stopped
from ._primitives import ControlledCondition, ControlledLock

if TYPE_CHECKING:
    from . import Explorer


#: What `_Run.note` records for a sleep: a step the report can leave out.
SLEPT = "slept"


#: The clock as a party to a primitive: a time limit that ran out acted on it.
_CLOCK = object()


def shared_keys(touches: Iterable[tuple], waiting: Iterable[tuple] = ()) -> set:
    """The keys of what two or more parties touched, at least one of them changing it.

    `touches` are (key, who, changes?, clock?) for each step on something; with
    `clock` the clock counts as a second party (a time limit ran out, or a wake-up
    came from nowhere), so that step shows with the wait it ends. `waiting` are
    (who, key) for threads still blocked: each touches, and would change, what it
    waits for. A report keeps the steps on these keys (the explorer's `that_matter`,
    and the grader's forced schedules), and leaves out one thread's own business.
    """
    parties: dict[Any, set] = {}
    changed: set = set()
    for key, who, changes, clock in touches:
        parties.setdefault(key, set()).update((who, _CLOCK) if clock else (who,))
        if changes or clock:
            changed.add(key)
    for who, key in waiting:
        parties.setdefault(key, set()).add(who)
        changed.add(key)
    return {key for key, who in parties.items() if len(who) > 1 and key in changed}


def _key(on: Any) -> Any:
    """A hashable key for what a step touched: an (object, attribute) pair by identity."""
    if isinstance(on, tuple):
        return tuple(id(x) if not isinstance(x, str) else x for x in on)
    return id(on)


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
        #: How many steps had been taken when a worker first raised (the failure's moment).
        self.failed_at: int | None = None
        self.yielding = [False] * len(names)
        self.timed_out = [False] * len(names)
        self.current: int | None = None
        #: Per choice: (the threads that could go on, in order, the one chosen, the default).
        self.trace: list[tuple[tuple[int, ...], int, int, bool]] = []
        self.steps: list[tuple[int, str, str]] = []
        #: Per step, what it touched: (the object's key, did it change it?, did a time
        #: limit run out?), None for a note, SLEPT for a sleep. See `that_matter`.
        self.touches: list[tuple[Any, bool, bool] | str | None] = []
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

    def step(
        self, me: int, what: str, on: Any = None, changes: bool = True, clock: bool = False
    ) -> None:
        """Record a step of thread `me`: `what` it did, to the object `on` (a key, for a
        primitive the primitive itself), and whether that `changes` it. With `clock`
        (a time limit ran out) the clock counts as a second party acting on `on`, so the
        step is shown, with the wait it ends."""
        self.acted[me] = True
        self.steps.append((me, what, self.explorer.where()))
        self.touches.append(None if on is None else (_key(on), changes, clock))

    def note(self, me: int, what: str, where: str = "", touched: str | None = None) -> None:
        """A step that touches no shared object: a note, or a sleep (`touched=SLEPT`)."""
        self.steps.append((me, what, where))
        self.touches.append(touched)

    def that_matter(self, end: int) -> list[int]:
        """The indexes of the steps before `end` that matter to the story: those on an
        object that two or more threads touch, and at least one changes (a thread still
        blocked counts as touching what it waits for, and a time limit that ran out as
        the clock touching it), and the notes. Steps on what one thread alone touches,
        and sleeps, are left out. Every step, if that leaves none on a shared object.
        """
        shared = shared_keys(
            [
                (touch[0], self.steps[k][0], touch[1], touch[2])
                for k, touch in enumerate(self.touches[:end])
                if isinstance(touch, tuple)
            ],
            [
                (t, _key(pending[1]))
                for t, pending in enumerate(self.pending)
                if pending is not None and pending[1] is not None and not self.done[t]
            ],
        )
        kept = [
            k
            for k in range(end)
            if self.touches[k] is None
            or (isinstance(self.touches[k], tuple) and self.touches[k][0] in shared)
        ]
        if not any(isinstance(self.touches[k], tuple) for k in kept):
            return list(range(end))
        return kept

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
            if self.failed_at is None:
                self.failed_at = len(self.steps)
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
