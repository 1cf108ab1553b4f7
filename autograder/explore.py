"""The systematic explorer as the hidden suites of 02 and 03 use it.

The engine is `coursekit.explore` (students run the same one through
`coursekit.interleavings.explain`). Here it names the student's lines the way the
rest of the grader does (`autograder.instruments._student_line`, which the seal
lets look at frames), and the helpers below turn what it found into a report:
an explored schedule when it found one, else a note on the forced schedule that
the test fell back to.
"""

from __future__ import annotations

from typing import Any

from coursekit import explore as _engine
from coursekit.explore import EXPLORED_HEAD, Result

from .instruments import _student_line

__all__ = [
    "EXPLORED_HEAD",
    "Explorer",
    "Result",
    "explored_failure",
    "fail_if_explored",
    "fallback_note",
    "falling_back",
]


class Explorer(_engine.Explorer):
    """`coursekit.explore.Explorer`, naming the student's lines as the grader does."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("where", _student_line)
        super().__init__(**options)


def explored_failure(result: Result, what: str) -> str:
    """A failure message for a hidden test: what failed, then the schedule that shows it."""
    return f"{what}: {result.failure}\n{result.report}"


def fail_if_explored(result: Result, what: str) -> None:
    """Fail the test with the explored schedule if the exploration found one."""
    if result.failed:
        import pytest

        pytest.fail(explored_failure(result, what), pytrace=False)


def fallback_note(result: Result) -> str:
    """What a forced schedule's failure message adds when the explorer could not decide."""
    if result.inconclusive:
        return (
            f"\n(The {result.summary()}, so this test used its forced schedule; "
            "that schedule, not an explored one, is what failed.)"
        )
    if not result.failed:
        return f"\n(The {result.summary()}; this forced schedule found what it missed.)"
    return ""


class falling_back:  # noqa: N801 - used as a context manager, like contextlib's
    """``with falling_back(result):`` around a forced schedule: a failure inside gets
    `fallback_note(result)` appended, so the report says which was used."""

    def __init__(self, result: Result) -> None:
        self.result = result

    def __enter__(self) -> Result:
        return self.result

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        note = fallback_note(self.result)
        if exc is None or not note:
            return
        import pytest

        if isinstance(exc, pytest.fail.Exception) and exc.msg and note not in exc.msg:
            pytest.fail(exc.msg + note, pytrace=False)
        if type(exc) is AssertionError and exc.args and note not in str(exc.args[0]):
            raise AssertionError(f"{exc.args[0]}{note}") from None
