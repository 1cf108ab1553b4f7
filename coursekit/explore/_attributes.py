"""Watching an object's attributes, and naming the line of the student's code a step ran on."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

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
