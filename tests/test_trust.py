"""The hidden suites' trust helpers: lying objects never pass, never crash a message."""

from __future__ import annotations

import math

import pytest

from autograder.suites._trust import (
    close,
    exact,
    exception_of,
    fail_for,
    is_exact,
    is_plain,
    real_isinstance,
    require_type,
    safe_repr,
    same,
    same_items,
    why_not_same,
)

# --------------------------------------------------------------------------
# Liars a hostile student might return


class EqList(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None


class EqInt(int):
    def __eq__(self, other):
        return True

    def __lt__(self, other):
        return True

    def __hash__(self):
        return 0

    def __index__(self):
        return 3


class EqFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class EqStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


class EqDict(dict):
    def __eq__(self, other):
        return True


class Disguised:
    """Claims to be a list through a __class__ property."""

    @property
    def __class__(self):
        return list

    def __eq__(self, other):
        return True

    def __len__(self):
        return 3

    def __iter__(self):
        return iter([1, 2, 3])

    def __bool__(self):
        return True

    def __contains__(self, item):
        return True


class RaisingRepr:
    def __repr__(self):
        raise RuntimeError("no repr for you")

    def __eq__(self, other):
        raise RuntimeError("no eq for you")

    __hash__ = object.__hash__


class HugeRepr:
    def __repr__(self):
        return "x" * 10_000_000


class NotStrRepr:
    def __repr__(self):
        return EqStr("sneaky")


class LyingError(KeyError):
    def __eq__(self, other):
        return True

    def __str__(self):
        raise RuntimeError("no str")

    __hash__ = KeyError.__hash__


def test_liars_fool_plain_comparisons():
    """The premise: these objects pass naive checks (else the tests below prove nothing)."""
    assert EqList() == [1, 2, 3]
    assert [1, 2, 3] == EqList()  # the reflected operand of a subclass goes first
    assert EqInt(0) == 5
    assert isinstance(Disguised(), list)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (EqList(), [1, 2, 3]),
        (EqList([1, 2, 3]), [1, 2, 3]),
        (Disguised(), [1, 2, 3]),
        ([EqInt(1), 2, 3], [1, 2, 3]),
        ([1, 2, EqInt(3)], [1, 2, 3]),
        (EqInt(5), 5),
        (EqFloat(1.5), 1.5),
        (EqStr("a"), "a"),
        (EqDict(a=1), {"a": 1}),
        ({"a": EqInt(1)}, {"a": 1}),
        ({EqStr("a"): 1}, {"a": 1}),
        ({EqInt(1)}, {1}),
        (frozenset({1}), {1}),
        ((1, [EqInt(2)]), (1, [2])),
        (True, 1),
        (1, True),
        (1.0, 1),
        (1, 1.0),
        ([1, 2], (1, 2)),
        (None, 0),
        (RaisingRepr(), 0),
        (RaisingRepr(), [1]),
    ],
)
def test_same_rejects_liars_and_near_misses(value, expected):
    assert not same(value, expected)
    reason = why_not_same(value, expected)
    assert isinstance(reason, str)
    assert reason
    assert len(reason) < 1000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([1, 2, 3], [1, 2, 3]),
        ([], []),
        ((), ()),
        ({"a": [1, (2, "x")], 3: None}, {"a": [1, (2, "x")], 3: None}),
        ({1, "a", (2, 3)}, {1, "a", (2, 3)}),
        (frozenset({1}), frozenset({1})),
        (b"ab", b"ab"),
        (math.nan, math.nan),
        (-0.0, 0.0),
        (2**100, 2**100),
        (False, False),
        (None, None),
    ],
)
def test_same_accepts_equal_plain_values(value, expected):
    assert same(value, expected), why_not_same(value, expected)


def test_same_compares_other_objects_by_identity():
    token = object()
    assert same([token], [token])
    assert not same([object()], [token])
    liar = RaisingRepr()
    assert not same(liar, token)


def test_messages_name_the_first_difference():
    assert "[2]" in why_not_same([1, 2, 4], [1, 2, 3])
    assert "EqInt" in why_not_same([1, EqInt(2)], [1, 2])
    assert "expected a list" in why_not_same(EqList(), [1])
    assert "3 items" in why_not_same([1], [1, 2, 3])
    assert "'b'" in why_not_same({"a": 1}, {"b": 1})


def test_exact_fails_with_a_message_and_returns_on_success():
    assert exact([1], [1]) == [1]
    with pytest.raises(pytest.fail.Exception, match="the answer: expected a list"):
        exact(EqList([1]), [1], what="the answer")


def test_require_type_is_not_fooled_by_a_class_property():
    assert require_type([1], list) == [1]
    assert require_type(3, int, float) == 3
    with pytest.raises(pytest.fail.Exception, match="should be a list, not a Disguised"):
        require_type(Disguised(), list)
    with pytest.raises(pytest.fail.Exception, match="not a bool"):
        require_type(True, int)
    assert is_exact(1, int)
    assert not is_exact(EqInt(1), int)
    assert not is_exact(Disguised(), list)


def test_close_needs_the_exact_type():
    assert close(0.1 + 0.2, 0.3)
    assert not close(EqFloat(99.0), 0.3)
    assert not close(1, 1.0)
    assert close(1, 1.0, types=(int, float))
    assert not close(True, 1.0, types=(int, float))
    assert not close(2**5000, 1.0, types=(int, float))
    assert close(1.05, 1.0, rel=0.1)


def test_exception_of_needs_the_exact_type():
    assert exception_of(KeyError("k"), KeyError)
    assert not exception_of(LyingError("k"), KeyError)


def test_is_plain_accepts_only_exact_builtins_all_the_way_down():
    assert is_plain([(1, "a"), {"k": [None, 1.5]}, {1}, frozenset({b"x"})])
    assert not is_plain([(1, EqStr("a"))])
    assert not is_plain({"k": EqInt(1)})
    assert not is_plain(EqList())
    assert not is_plain(Disguised())
    assert not is_plain([RaisingRepr()])
    nested: list = []
    for _ in range(30):
        nested = [nested]
    assert not is_plain(nested)


def test_same_items_ignores_order_but_not_types():
    assert same_items([3, (1, "a"), None], [None, 3, (1, "a")])
    assert same_items((), [])
    assert not same_items([1], [True])
    assert not same_items([1.0], [1])
    assert not same_items([(1, "a")], [(True, "a")])
    assert not same_items([1, 1, 2], [1, 2, 2])
    assert not same_items(EqList([1]), [1])
    assert not same_items([EqInt(1)], [1])
    assert not same_items([{"k": EqInt(1)}], [{"k": 1}])
    assert same_items([{"k": [1]}, {2}], [{2}, {"k": [1]}])
    assert same_items([math.nan], [math.nan])
    token = object()
    assert same_items([token], [token])
    assert not same_items([object()], [token])
    assert not same_items([Disguised()], [[1, 2, 3]])


def test_fail_for_fails_on_exceptions_only_with_a_guarded_message():
    fail_for(None)
    fail_for(42)
    fail_for(Disguised())
    with pytest.raises(pytest.fail.Exception, match=r"put\(\) raised KeyError\('k'\)"):
        fail_for(KeyError("k"), "put()")
    with pytest.raises(pytest.fail.Exception, match="LyingError"):
        fail_for(LyingError("k"))


def test_real_isinstance_ignores_a_class_property():
    assert real_isinstance(LyingError("k"), KeyError)
    assert not real_isinstance(Disguised(), list)
    assert isinstance(Disguised(), list)
    assert real_isinstance([], list, tuple)


@pytest.mark.parametrize(
    "obj",
    [RaisingRepr(), HugeRepr(), NotStrRepr(), LyingError("k"), Disguised(), EqList([1, 2])],
)
def test_safe_repr_never_raises_and_stays_short(obj):
    text = safe_repr(obj, limit=100)
    assert type(text) is str
    assert len(text) <= 100
    assert safe_repr([obj, obj], limit=100) is not None


def test_safe_repr_of_plain_values():
    assert safe_repr([1, "a", (None,), {"k": 1.5}, {2}, frozenset()]) == (
        "[1, 'a', (None,), {'k': 1.5}, {2}, frozenset()]"
    )
    assert safe_repr(KeyError("from call 1")) == "KeyError('from call 1')"
    assert safe_repr(list) == "<class 'list'>"
    assert len(safe_repr("x" * 10**7, limit=50)) <= 50
    assert len(safe_repr(list(range(10**5)), limit=50)) <= 50
    assert "bits" in safe_repr(10**5000)
    # Items of a plain list are printed by safe_repr too, so a liar inside is guarded.
    assert "raised RuntimeError" in safe_repr([RaisingRepr()])
    deep: list = []
    for _ in range(50):
        deep = [deep]
    assert safe_repr(deep)


def test_safe_repr_lets_the_harness_stop_a_test():
    from autograder._harness import Abandoned

    class Stuck:
        def __repr__(self):
            raise Abandoned

    with pytest.raises(Abandoned):
        safe_repr(Stuck())


def test_a_changed_module_fails_every_comparison():
    """Tables swapped or builtins shadowed in the module (which the seal doesn't watch) fail."""
    from autograder.suites import _trust

    liars = [EqInt(1)]
    saved = _trust.SCALARS
    try:
        _trust.SCALARS = (*saved, list, tuple)
        with pytest.raises(pytest.fail.Exception, match="changed while grading"):
            same(liars, [1])
    finally:
        _trust.SCALARS = saved
    try:
        _trust.type = lambda value: int  # shadows the builtin in every function there
        with pytest.raises(pytest.fail.Exception, match="changed while grading"):
            require_type(liars[0], int)
        with pytest.raises(pytest.fail.Exception, match="changed while grading"):
            is_plain(liars)
    finally:
        del _trust.type
    vars(_trust)["__warningregistry__"] = {}  # dunders shadow nothing here: allowed
    try:
        assert not same(liars, [1])
    finally:
        del vars(_trust)["__warningregistry__"]
