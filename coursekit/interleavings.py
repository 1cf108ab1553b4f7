"""Search the interleavings of a few threads for a race or a deadlock, and explain one.

``explain(setup, workers, invariant)`` runs ``setup()`` to build fresh shared state,
then runs each worker in a thread of its own on that state, again and again, under
the controlled scheduler of `frontrun <https://pypi.org/project/frontrun/>`_ (DPOR
at bytecode level): one thread runs at a time, and the search chooses which one
goes next at every step that touches shared data or a lock. It stops at the first
schedule after which ``invariant(state)`` is false, or in which the threads
deadlock, prints that schedule step by step on your own source lines, and replays
it to show that it fails every time.

What it can and cannot judge (measured with frontrun 0.7.0 on CPython 3.11 to 3.13):

* data races on attributes (lost updates, check-then-act) and lock-order deadlocks
  are found within a few interleavings, in well under a second;
* code that waits on a ``threading.Condition`` (or an ``Event``, a ``Queue``) is
  not handled: the search times out and says "inconclusive". For those, the
  lessons force the bad schedule by hand instead.

>>> import threading
>>> class Tally:
...     def __init__(self):
...         self.n = 0
...         self.lock = threading.Lock()
...     def add(self):
...         with self.lock:
...             self.n = self.n + 1
>>> result = explain(Tally, [Tally.add, Tally.add], lambda t: t.n == 2, quiet=True)
>>> result.property_holds
True
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = ["available", "explain"]


def available() -> str | None:
    """Return None when the explorer can run here, else why it cannot."""
    if importlib.util.find_spec("frontrun") is None:
        return "frontrun is not installed (pip install frontrun)"
    return None


@contextlib.contextmanager
def _cooperative_locks() -> Iterator[None]:
    """Let frontrun's scheduler see every lock made inside the block, then put them back."""
    from frontrun._cooperative import patch_locks, unpatch_locks

    patch_locks()
    try:
        yield
    finally:
        unpatch_locks()


def explain(
    setup: Callable[[], Any],
    workers: Sequence[Callable[[Any], Any]],
    invariant: Callable[[Any], bool],
    *,
    preemptions: int = 2,
    deadlock_timeout: float = 2.0,
    total_timeout: float = 30.0,
    quiet: bool = False,
) -> Any:
    """Explore the interleavings of `workers` on fresh `setup()` state; print what it found.

    Each worker is called with the state. `invariant(state)` must be true once every
    worker has finished. `preemptions` bounds how many times the scheduler may switch
    away from a thread that could go on (2 finds almost every textbook race). Returns
    frontrun's result: ``property_holds`` is True (no failing schedule within the
    bounds), False (one was found, and ``explanation`` shows it) or None
    (inconclusive: the search could not control some wait).
    """
    problem = available()
    if problem:
        raise RuntimeError(problem)
    from frontrun import explore

    with _cooperative_locks():
        result = explore(
            setup=setup,
            workers=list(workers),
            invariant=invariant,
            preemption_bound=preemptions,
            deadlock_timeout=deadlock_timeout,
            total_timeout=total_timeout,
        )
    if not quiet:
        if result.property_holds:
            print(
                f"No failing schedule in {result.num_explored} interleaving(s) "
                f"(at most {preemptions} preemptions each)."
            )
        elif result.property_holds is False:
            print(result.explanation.strip())
        else:
            print("Inconclusive:", (result.explanation or result.inconclusive_reason or "").strip())
    return result
