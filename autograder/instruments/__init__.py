"""Instrumented primitives for the hidden suites of 02_locks and 03_synchronization.

They make bad schedules happen on purpose, and they let a test see what the
student's threads are doing. Nothing here hopes for a race: each tool forces one.

* `Registry` is shared by the instrumented objects of one test. It knows which
  thread holds which `TrackedLock`, which threads are blocked and where, and
  `abort()` makes every blocked call raise `Aborted` so that a deadlocked
  submission leaves no thread behind.
* `TrackedLock` is lock-like: ``acquire(blocking=True, timeout=-1)``,
  ``release()``, ``locked()`` and ``with``. With ``Registry(pause_first_hold=s)``
  a thread that has just taken its first lock waits (up to ``s`` seconds) until
  the whole party holds or waits for a lock: locks nested in the wrong order
  then deadlock every time, and `Registry.deadlock()` names the cycle.
* `InstrumentedCondition` is a `threading.Condition` that can wake its waiters
  spuriously (``Registry(spurious=s)``) and can make a notified thread slow to
  come back (``Registry(slow_wakeup=s)``), so that ``if`` instead of ``while``
  and ``notify()`` to the wrong kind of waiter fail every time.
* `instrument_primitives(obj, registry)` swaps those in for the locks,
  conditions, semaphores and events an object keeps in its attributes.
* `hook_attributes(obj, names, hook)` turns instance attributes into data
  descriptors that call ``hook(kind, obj, name, value)`` on every read and write;
  `ReadRendezvous` is such a hook: a read waits until another thread reads too,
  so an unlocked read-modify-write loses an update every time, while a locked
  one merely waits out a short timeout.

Example: a counter without a lock loses updates under a rendezvous.

>>> class Counter:
...     def __init__(self):
...         self.value = 0
...     def increment(self):
...         self.value += 1
>>> c = Counter()
>>> rendezvous = ReadRendezvous(timeout=1.0)
>>> undo = hook_attributes(c, ["value"], rendezvous)
>>> workers = [Worker(c.increment, name=f"w{i}") for i in range(2)]
>>> all(w.wait(2) for w in workers)
True
>>> undo(); c.value
1
"""

from __future__ import annotations

from coursekit.explore import hook_attributes, instance_attributes

# Importing the package loads every submodule (`questions` through `registry`), so that
# autograder._guard's preload has them all before the seal is installed. The names are
# re-exported, never copied: the seal finds `_student_line` and `Worker.where` here, and
# they are the very objects the rest of the grader calls.
from .folding import FIRST_STEPS, SCHEDULE_HEAD, SHOWN_STEPS, fold_repeats  # noqa: F401
from .hooks import AccessLog, ReadRendezvous  # noqa: F401
from .lines import _student_line  # noqa: F401
from .primitives import (  # noqa: F401
    Aborted,
    InstrumentedCondition,
    TrackedEvent,
    TrackedLock,
    TrackedSemaphore,
    _notify_step,
)
from .registry import SLICE, Registry  # noqa: F401
from .swap import _LOCK_TYPES, instrument_primitives  # noqa: F401
from .timeouts import CUT, FastJoins, FastWaits, says_cut  # noqa: F401
from .worker import Worker  # noqa: F401

__all__ = [
    "Aborted",
    "InstrumentedCondition",
    "ReadRendezvous",
    "Registry",
    "TrackedEvent",
    "TrackedLock",
    "TrackedSemaphore",
    "Worker",
    "hook_attributes",
    "instance_attributes",
    "instrument_primitives",
]
