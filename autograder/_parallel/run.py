"""autograde(): the command's entry point, with a progress bar."""

from __future__ import annotations

from pathlib import Path

from .grader import Grader


def autograde(
    assignments: list[str],
    *,
    root: Path | None = None,
    report: Path | None = None,
    announce=None,
    **options,
) -> Grader:
    """Grade every submission of `assignments`; return the Grader with its records.

    `options` are the :class:`Grader`'s own (``jobs``, ``scheduler``,
    ``db_url``, ``force``, ``progress``, ``students``, ``require_sandbox``),
    with its defaults. `announce` (e.g. ``print``) gets one line saying what
    isolation the kernels get, before anything is graded.
    """
    from .._notebook import course_root

    grader = Grader(root or course_root(), **options)
    grader.run(assignments, announce=announce)
    if report is None and grader.records:
        for assignment in assignments:
            if any(r.assignment == assignment for r in grader.records):
                grader.write_report(
                    grader.root / "autograded" / f"{assignment}.report.json", assignment
                )
    elif report is not None:
        grader.write_report(report)
    return grader
