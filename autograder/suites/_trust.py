"""Compare what student code hands back without letting it compare itself.

A student's object can lie: a ``list`` subclass whose ``__eq__`` is always true
passes ``result == expected`` (Python asks the subclass first even when it is
on the right), an ``int`` subclass can fake ``__eq__``, ``__hash__`` or
``__index__``, and a ``__class__`` property fools ``isinstance``. So every
comparison here checks the *exact* type first (``type(x) is list``) and only
then compares with the built-in operation of that exact type, recursively for
containers; and nothing here calls a student object's ``__repr__`` except
:func:`safe_repr`, which survives a ``__repr__`` that raises, loops through
huge output or returns something that is not a ``str``.

``expected`` values are always the test's own: built-in values are compared by
exact type and value, anything else by identity (a sentinel object the test
passed in must come back as the very same object).
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

__all__ = [
    "close",
    "exact",
    "exception_of",
    "fail_for",
    "is_exact",
    "is_plain",
    "real_isinstance",
    "require_type",
    "safe_repr",
    "same",
    "same_items",
    "exact_key",
    "type_name",
    "why_not_same",
]

#: Types whose instances compare, hash and print with built-in code only
#: (once the exact type is checked; subclasses are never trusted).
SCALARS = (type(None), bool, int, float, complex, str, bytes)
CONTAINERS = (tuple, list, dict, set, frozenset)

_TYPE_NAME = type.__dict__["__name__"]
_TYPE_MODULE = type.__dict__["__module__"]


def type_name(obj: object) -> str:
    """Return the name of `obj`'s real class (a metaclass cannot fake it), shortened."""
    _intact()
    try:
        name = _TYPE_NAME.__get__(type(obj), type)
    except Exception:  # noqa: BLE001 - a name is only for a message
        return "?"
    return name if len(name) <= 60 else name[:57] + "..."


def _is_builtin_exception(obj: object) -> bool:
    cls = type(obj)
    return issubclass(cls, BaseException) and _TYPE_MODULE.__get__(cls, type) == "builtins"


def _harness_abandoned() -> type | None:
    try:
        from autograder._harness import Abandoned
    except Exception:  # noqa: BLE001 - no harness: nothing to let through
        return None
    return Abandoned


def safe_repr(obj: object, limit: int = 200) -> str:
    """Return a repr of `obj` of at most about `limit` characters that never raises.

    Built-in values are printed by this function itself (so a list of lying
    objects prints their guarded reprs, not theirs); any other object's
    ``__repr__`` is called once, guarded and truncated.

    >>> safe_repr([1, "a", (None,)])
    "[1, 'a', (None,)]"
    >>> class Loud:
    ...     def __repr__(self): return "x" * 10**6
    >>> len(safe_repr(Loud(), limit=50)) <= 50
    True
    """
    _intact()
    limit = max(int(limit), 20)
    text = _repr(obj, limit, depth=0)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _repr(obj: object, limit: int, depth: int) -> str:
    cls = type(obj)
    if cls in (type(None), bool, float, complex):
        return repr(obj)
    if cls is int:
        if obj.bit_length() > 200:  # str() of a huge int is slow or raises
            return f"<int of {obj.bit_length()} bits>"
        return repr(obj)
    if cls in (str, bytes):
        head = obj[: limit + 1]
        text = repr(head)
        return text if len(head) <= limit else text[:limit] + "..."
    if cls in CONTAINERS:
        if depth >= 6:
            return "[...]" if cls is list else "(...)"
        return _repr_container(obj, cls, limit, depth)
    if cls is type:
        return f"<class {_TYPE_NAME.__get__(obj, type)!r}>"
    if _is_builtin_exception(obj):
        try:
            args = BaseException.args.__get__(obj)
        except Exception:  # noqa: BLE001
            args = ()
        inner = ", ".join(_repr(a, limit, depth + 1) for a in args[:4])
        return f"{type_name(obj)}({inner})"[: limit + 1]
    return _guarded_repr(obj, limit)


def _repr_container(obj, cls, limit: int, depth: int) -> str:
    parts: list[str] = []
    size = 0
    if cls is dict:
        items = list(dict.items(obj))
        n = len(items)
        for k, v in items:
            part = f"{_repr(k, limit, depth + 1)}: {_repr(v, limit, depth + 1)}"
            parts.append(part)
            size += len(part) + 2
            if size > limit:
                break
    else:
        seq = list(obj)
        n = len(seq)
        for item in seq:
            part = _repr(item, limit, depth + 1)
            parts.append(part)
            size += len(part) + 2
            if size > limit:
                break
    if len(parts) < n:
        parts.append(f"... ({n} items)")
    body = ", ".join(parts)
    if cls is list:
        return f"[{body}]"
    if cls is tuple:
        return f"({body},)" if n == 1 else f"({body})"
    if cls is dict:
        return f"{{{body}}}"
    if not n:
        return f"{cls.__name__}()"
    return f"{{{body}}}" if cls is set else f"frozenset({{{body}}})"


def _guarded_repr(obj: object, limit: int) -> str:
    name = type_name(obj)
    try:
        text = repr(obj)
    except BaseException as exc:  # noqa: BLE001 - a repr is only for a message
        abandoned = _harness_abandoned()
        if abandoned is not None and type(exc) is abandoned:
            raise
        return f"<{name} object (its __repr__ raised {type_name(exc)})>"
    if type(text) is not str:
        return f"<{name} object>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


# --------------------------------------------------------------------------
# Exact comparison


def is_exact(value: object, *types: type) -> bool:
    """Tell whether `value`'s class is exactly one of `types` (no subclass, no ``__class__`` lie)."""
    _intact()
    return type(value) in types


def _why(value: object, expected: object, where: str) -> str:
    at = f" at {where}" if where else ""
    etype = type(expected)
    if etype not in SCALARS and etype not in CONTAINERS:
        if value is expected:
            return ""
        return f"expected the very object {safe_repr(expected, 60)}{at}, got {_what(value)}"
    if type(value) is not etype:
        return f"expected {_an(etype.__name__)}{at}, got {_what(value)}"
    if etype is bool or etype is type(None):
        ok = value is expected
    elif etype is float:
        ok = value == expected or (math.isnan(value) and math.isnan(expected))
    elif etype in SCALARS:
        ok = value == expected
    elif etype in (list, tuple):
        if len(value) != len(expected):
            return (
                f"expected {len(expected)} items{at}, got {len(value)}: "
                f"{safe_repr(value)} instead of {safe_repr(expected)}"
            )
        for i, (v, e) in enumerate(zip(value, expected, strict=True)):
            reason = _why(v, e, f"{where}[{i}]")
            if reason:
                return reason
        return ""
    elif etype is dict:
        bad = _untrusted_member(dict.keys(value))
        if bad is not None:
            return f"a key{at} is {_what(bad)}: keys must be plain built-in values"
        if dict.keys(value) != dict.keys(expected):
            missing = [k for k in expected if k not in value]
            extra = [k for k in value if k not in expected]
            return (
                f"expected the keys {safe_repr(sorted_keys(expected))}{at}, got "
                f"{safe_repr(sorted_keys(value))} (missing {safe_repr(missing, 80)}, "
                f"unexpected {safe_repr(extra, 80)})"
            )
        for k, e in expected.items():
            reason = _why(dict.__getitem__(value, k), e, f"{where}[{safe_repr(k, 40)}]")
            if reason:
                return reason
        return ""
    else:  # set, frozenset
        bad = _untrusted_member(value)
        if bad is not None:
            return f"an item{at} is {_what(bad)}: items must be plain built-in values"
        ok = value == expected
    if ok:
        return ""
    return f"expected {safe_repr(expected)}{at}, got {safe_repr(value)}"


def why_not_same(value: object, expected: object, where: str = "") -> str:
    """Return why `value` is not exactly `expected` ("" when it is).

    Built-in values (None, bool, int, float, complex, str, bytes, tuple, list,
    dict, set, frozenset) must have the very same type as `expected` at every
    level and equal values; floats that are both NaN count as equal. Any other
    `expected` object must be `value` itself.
    """
    _intact()
    return _why(value, expected, where)


def sorted_keys(d: dict) -> list:
    """Return the keys of a dict of trusted keys, sorted where they can be."""
    keys = list(dict.keys(d))
    try:
        return sorted(keys)
    except TypeError:
        return keys


def _untrusted_member(items) -> object | None:
    """Return the first member that is not a hashable built-in value, else None."""
    for item in items:
        if not _trusted_hashable(item):
            return item
    return None


def _trusted_hashable(item: object, depth: int = 0) -> bool:
    cls = type(item)
    if cls in SCALARS:
        return True
    if cls in (tuple, frozenset) and depth < 20:
        return all(_trusted_hashable(x, depth + 1) for x in item)
    return False


def is_plain(value: object) -> bool:
    """Tell whether `value` is made of built-in values only, each of its exact type.

    Only such values may be hashed, sorted or put in a set or a Counter by a
    test: those operations call ``__hash__``, ``__eq__`` and ``__lt__``, which a
    subclass can fake.

    >>> is_plain([(1, "a"), {"k": None}]), is_plain([True, 2.0, b""]), is_plain([object()])
    (True, True, False)
    """
    _intact()
    return _plain(value, 0)


def _plain(value: object, depth: int) -> bool:
    cls = type(value)
    if cls in SCALARS:
        return True
    if depth >= 20:
        return False
    if cls in (tuple, list, set, frozenset):
        return all(_plain(x, depth + 1) for x in value)
    if cls is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in dict.items(value))
    return False


def exact_key(value: object) -> object:
    """Return a hashable key equal for two values exactly when :func:`same` says so.

    Built-in values become their exact type tagged on at every level (so True,
    1 and 1.0 get different keys); anything else is keyed by identity. The key
    is made of built-in values only, so hashing it never runs student code.
    """
    _intact()
    return _key(value, 0)


def _key(value: object, depth: int) -> object:
    cls = type(value)
    if cls is float and value != value:
        return (float, "nan")
    if cls in SCALARS:
        return (cls, value)
    if depth < 20:
        if cls in (tuple, list):
            return (cls, tuple(_key(x, depth + 1) for x in value))
        if cls in (set, frozenset) and all(_trusted_hashable(x) for x in value):
            return (cls, frozenset(_key(x, depth + 1) for x in value))
        if cls is dict and all(_trusted_hashable(k) for k in dict.keys(value)):
            return (
                cls,
                frozenset((_key(k, depth + 1), _key(v, depth + 1)) for k, v in dict.items(value)),
            )
    return ("object", id(value))


def same_items(values: object, expected: list | tuple) -> bool:
    """Tell whether the list or tuple `values` holds exactly the items of `expected`, in any order.

    >>> same_items([3, 1, 2], [1, 2, 3]), same_items([1, 1], [1, True]), same_items({1}, [1])
    (True, False, False)
    """
    _intact()
    if type(values) not in (list, tuple):
        return False
    return Counter(_key(v, 0) for v in values) == Counter(_key(e, 0) for e in expected)


def _an(name: str) -> str:
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def _what(value: object) -> str:
    """Describe `value` by its real class and a short guarded repr."""
    return f"{_an(type_name(value))} ({safe_repr(value, 80)})"


def same(value: object, expected: object) -> bool:
    """Tell whether `value` is exactly `expected`: same types at every level, equal values.

    >>> same([1, 2], [1, 2]), same([1, 2], (1, 2)), same(True, 1), same(1.0, 1)
    (True, False, False, False)
    """
    return not why_not_same(value, expected)


def exact(value: object, expected: object, what: str = "the result") -> object:
    """Fail the test unless `value` is exactly `expected` (see :func:`why_not_same`); return it."""
    _intact()
    reason = why_not_same(value, expected)
    if reason:
        pytest.fail(f"{what}: {reason}", pytrace=False)
    return value


def require_type(value: object, *types: type, what: str = "the result") -> object:
    """Fail the test unless `value`'s class is exactly one of `types`; return `value`."""
    _intact()
    if type(value) not in types:
        names = " or ".join(_an(_TYPE_NAME.__get__(t, type)) for t in types)
        pytest.fail(f"{what} should be {names}, not {_what(value)}", pytrace=False)
    return value


def close(
    value: object,
    expected: float,
    *,
    rel: float = 1e-9,
    abs: float = 0.0,  # noqa: A002 - as in math.isclose
    types: tuple[type, ...] = (float,),
) -> bool:
    """Tell whether `value` is of exactly one of `types` and close to `expected`.

    >>> close(0.1 + 0.2, 0.3), close(True, 1.0, types=(int, float))
    (True, False)
    """
    _intact()
    if type(value) not in types:
        return False
    if type(value) is int and value.bit_length() > 1000:
        return False
    return math.isclose(float(value), expected, rel_tol=rel, abs_tol=abs)


def exception_of(exc: object, *types: type) -> bool:
    """Tell whether the exception `exc` is exactly of one of `types` (no lying subclass)."""
    _intact()
    return type(exc) in types


def fail_for(exc: object, what: str = "the code under test") -> None:
    """Fail the test if `exc` is an exception (by its real class), printed with a guarded repr.

    Use it instead of ``raise exc`` for an exception the student's code raised:
    pytest would print it with its own ``__str__``, which may raise or flood.
    Anything that is not an exception (a result, None) is let through.
    """
    _intact()
    if issubclass(type(exc), BaseException):
        pytest.fail(f"{what} raised {safe_repr(exc)}", pytrace=False)


def real_isinstance(value: object, *types: type) -> bool:
    """Tell whether `value`'s real class derives from one of `types`.

    Unlike ``isinstance``, a ``__class__`` property cannot fool it. Use it where
    a contract allows subclasses ("raises ValueError"); nothing of the value is
    compared, so a subclass has nothing to lie about.

    >>> real_isinstance(KeyError(), LookupError), real_isinstance(True, int)
    (True, True)
    """
    _intact()
    return issubclass(type(value), types)


# --------------------------------------------------------------------------
# Tampering
#
# This module is importable by the student's code (sys.modules), and the seal
# watches its callables and their defaults, not its other globals: a notebook
# could swap a table (SCALARS = SCALARS + (list,)), or add a global named
# `type` or `len` that shadows the builtin in every function here. So every
# public function first checks that the module is as it was when it was
# loaded, with everything the check needs bound as defaults. Keep `_intact`
# the last definition of the module.


def _intact(
    _space=globals(),  # noqa: B008 - bound once, on purpose
    _names=frozenset(globals()) | {"_intact"},  # noqa: B008
    _values=tuple(  # noqa: B008
        (k, v)
        for k, v in globals().items()  # noqa: B008
        if not callable(v) and not k.startswith("__")  # noqa: B008
    ),
    _type=type,
    _str=str,
    _tuple=tuple,
    _fail=pytest.fail,
) -> None:
    """Fail the test if this module gained a global (other than a dunder) or lost a table."""
    for key in _tuple(_space):
        if _type(key) is not _str or (
            key not in _names and not (key[:2] == "__" and key[-2:] == "__")
        ):
            _fail("the grader's comparison helpers were changed while grading", pytrace=False)
    for key, value in _values:
        if _space.get(key, _space) is not value:
            _fail("the grader's comparison helpers were changed while grading", pytrace=False)
