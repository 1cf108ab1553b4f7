"""Swapping tracked stand-ins in for the primitives an object keeps in its attributes."""

from __future__ import annotations

import queue
import threading
from typing import Any

from coursekit.explore import instance_attributes

from .primitives import InstrumentedCondition, TrackedEvent, TrackedLock, TrackedSemaphore
from .registry import Registry

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


def instrument_primitives(obj: Any, registry: Registry) -> list[str]:
    """Swap instrumented stand-ins for the primitives kept in `obj`'s attributes.

    Locks and RLocks become `TrackedLock`s (wrapping the original, so the same
    lock is still shared with any Condition built on it), Conditions become
    `InstrumentedCondition`s on the same lock, Semaphores and Events are wrapped.
    Returns the names of the attributes swapped. Call it right after building
    the object, before any thread uses it.
    """
    swapped = []
    made: dict[int, Any] = {}
    for name, value in instance_attributes(obj).items():
        if id(value) in made:
            new = made[id(value)]
        elif isinstance(value, _LOCK_TYPES):
            new = TrackedLock(registry, name, value)
        elif isinstance(value, threading.Condition) and not isinstance(
            value, InstrumentedCondition
        ):
            lock = value._lock
            if registry.switch_on_release:
                # The condition's lock must be a TrackedLock too, so that `with cond:`
                # pauses at its release; an attribute holding the same lock shares it.
                # (Not otherwise: a FIFO lock under every condition changes the free-running
                # schedules of the stress tests, and with them some wrong answers' scores.)
                if id(lock) not in made:
                    made[id(lock)] = TrackedLock(registry, f"{name}'s lock", lock)
                lock = made[id(lock)]
            new = InstrumentedCondition(registry, name, lock)
        elif isinstance(value, threading.Semaphore):
            new = TrackedSemaphore(registry, name, value)
        elif isinstance(value, threading.Event):
            new = TrackedEvent(registry, name, value)
        elif isinstance(value, queue.Queue) and value is not obj:
            # A queue keeps its conditions in attributes too: instrument them in place.
            instrument_primitives(value, registry)
            continue
        else:
            continue
        try:
            setattr(obj, name, new)
        except (AttributeError, TypeError):
            continue
        made[id(value)] = new
        swapped.append(name)
    registry.instrumented += len(swapped)
    return swapped
