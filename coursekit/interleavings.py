"""Search the interleavings of a few threads for a race, a deadlock or a lost wake-up,
and explain the first one found.

``explain(setup, workers, invariant)`` runs ``setup()`` to build fresh shared state,
then runs each worker in a thread of its own on that state, again and again, under a
controlled scheduler (`coursekit.explore`, the engine the hidden tests use too): one
thread runs at a time, and the search chooses which one goes next before every step
that touches a lock, a condition, a semaphore, an event or a shared attribute. It tries
every schedule with at most `preemptions` switches away from a thread that could have
gone on, and stops at the first after which ``invariant(state)`` is false, or in which
the threads deadlock (a wait that nobody will ever end counts). It prints that schedule
step by step on your own source lines, and replays it to show that it fails every time.

The state is an object, or a tuple, list or dict of objects. The explorer swaps its
own stand-ins for the locks, conditions, semaphores and events those objects keep (in
attributes, or as the dict's values), and watches every other attribute of theirs.
What it cannot see it says: code that blocks on a primitive kept elsewhere (on a class,
say) makes the search *inconclusive*, not wrong.

>>> import threading
>>> class Tally:
...     def __init__(self):
...         self.n = 0
...         self.lock = threading.Lock()
...     def add(self):
...         with self.lock:
...             self.n = self.n + 1
>>> result = explain(Tally, [Tally.add, Tally.add], lambda t: t.n == 2, quiet=True)
>>> result.complete, result.failed
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .explore import Explorer, Result, instance_attributes

__all__ = ["explain"]


def explain(
    setup: Callable[[], Any],
    workers: Sequence[Callable[[Any], Any]],
    invariant: Callable[[Any], bool],
    *,
    preemptions: int = 2,
    quiet: bool = False,
) -> Result:
    """Explore the interleavings of `workers` on fresh `setup()` state; print what it found.

    Each worker is called with the state. `invariant(state)` must be true once every
    worker has finished. `preemptions` bounds how many times the scheduler may switch
    away from a thread that could go on (2 finds almost every textbook race). Returns
    the `coursekit.explore.Result`: ``failed`` (and ``report`` shows the schedule),
    ``complete`` (every schedule within the bound held) or ``inconclusive`` (why not).
    """
    explorer = Explorer(bound=preemptions, budget=20.0)

    def controlled() -> Any:
        state = setup()
        if isinstance(state, dict):
            made: dict[int, Any] = {}
            for key, value in list(state.items()):
                new = explorer._stand_in(str(key), value, made)
                if new is not None:
                    state[key] = new
            return state
        for obj in state if isinstance(state, (tuple, list)) else [state]:
            watched = [n for n, v in instance_attributes(obj).items() if not _machinery(v)]
            explorer.control(obj, watch=watched)
        return state

    def check(state: Any) -> str | None:
        return None if invariant(state) else "the invariant is false after these steps"

    names = [f"{getattr(w, '__name__', 'worker')}-{i}" for i, w in enumerate(workers)]
    result = explorer.explore(controlled, list(workers), check, names)
    if not quiet:
        if result.failed:
            print(f"{result.failure}\n{result.report}")
        elif result.inconclusive:
            print(f"Inconclusive: {result.inconclusive}.")
        else:
            print(f"No failing schedule: the {result.summary()}.")
    return result


def _machinery(value: Any) -> bool:
    """A primitive (now the explorer's stand-in) or a method: not data to watch."""
    return callable(value) or hasattr(value, "acquire") or hasattr(value, "wait")
