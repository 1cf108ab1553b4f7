"""Command line: python -m autograder {grade,autograde,release,mutants,demo} ..."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ._notebook import UsageError


def _announce(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _cmd_grade(args) -> int:
    from ._grading import grade_one
    from ._parallel import safe_text

    scores, record = grade_one(
        Path(args.notebook),
        args.assignment,
        require_sandbox=args.require_sandbox,
        announce=_announce,
    )
    for note in dict.fromkeys(record.notes):
        print(f"note: {safe_text(note)}", file=sys.stderr)
    if args.json:
        for entry in scores.values():
            entry.pop("report", None)
        print(json.dumps(scores, indent=2))
    else:
        for key, entry in scores.items():
            score = "manual" if entry.get("needs_manual_grade") else entry["score"]
            print(f"{key:24} {score} / {entry['max_score']}")
            report = entry.get("report")
            if report:
                # The kernel printed this text (the score above is the verified one).
                body = report.splitlines()[1:]
                print("\n".join(safe_text(line) for line in body))
    return 1 if record.error else 0


def _cmd_autograde(args) -> int:
    from ._parallel import autograde

    grader = autograde(
        args.assignments,
        root=Path(args.course) if args.course else None,
        jobs=args.jobs,
        scheduler=args.scheduler,
        db_url=args.db_url,
        force=args.force,
        progress=not args.no_progress,
        students=args.student,
        report=Path(args.report) if args.report else None,
        require_sandbox=args.require_sandbox,
        announce=_announce,
    )
    if args.json:
        print(grader.report(), end="")
    else:
        print(grader.summary() or "nothing to grade (use --force to grade again)")
    return 1 if any(r.error for r in grader.records) else 0


def _cmd_release(args) -> int:
    from ._grading import release

    for name in release(args.assignments or None):
        print(f"released {name}")
    return 0


def _cmd_mutants(args) -> int:
    from ._mutants import main

    return main(
        args.assignments,
        repeats=args.repeats,
        as_json=args.json,
        only=args.only,
        exercise=args.exercise,
    )


def _cmd_demo(args) -> int:
    from ._grading import demo

    demo(names=args.assignments or None, jobs=args.jobs)
    return 0


REQUIRE_SANDBOX_HELP = (
    "refuse to grade unless every kernel runs in the sandbox "
    "(sets c.SafeExecute.require_sandbox = True; stops at once if the sandbox is unavailable)"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("grade", help="grade one notebook without touching the gradebook")
    p.add_argument("notebook", help="the submitted .ipynb file")
    p.add_argument("--assignment", required=True, help="assignment name, e.g. 01_threads")
    p.add_argument(
        "--json", action="store_true", help="print {grade_id: {score, max_score}} as JSON"
    )
    p.add_argument("--require-sandbox", action="store_true", help=REQUIRE_SANDBOX_HELP)
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser(
        "autograde",
        help="grade every submission of an assignment in parallel, into the gradebook",
        description="Grade submitted/*/ASSIGNMENT with N worker processes (or a Dask "
        "cluster) and record the grades with nbgrader, as `nbgrader autograde` would.",
    )
    p.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 2,
        help="worker processes (default: CPUs)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786, instead of local workers",
    )
    p.add_argument("--db-url", help="gradebook URL (default: the course's, SQLite gradebook.db)")
    p.add_argument("--course", help="the course directory (default: this repository)")
    p.add_argument("--force", action="store_true", help="grade again students already graded")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--report", help="write the per-student report here (JSON)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the per-student report as JSON")
    p.add_argument("--require-sandbox", action="store_true", help=REQUIRE_SANDBOX_HELP)
    p.set_defaults(func=_cmd_autograde)

    p = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=_cmd_release)

    p = sub.add_parser("mutants", help="check that every known-wrong solution loses points")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print one JSON list of verdicts")
    p.add_argument(
        "--only", default="", help="check only the solutions whose name contains this text"
    )
    p.add_argument("--exercise", default="", help="check only this exercise's solutions")
    p.set_defaults(func=_cmd_mutants)

    p = sub.add_parser("demo", help="release and grade the sample submissions end to end")
    p.add_argument("assignments", nargs="*")
    p.add_argument(
        "--jobs",
        type=int,
        default=4,
        help="grading workers (the notebooks mostly wait); 1 runs plain `nbgrader autograde`",
    )
    p.set_defaults(func=_cmd_demo)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    from ._parallel import safe_text

    return safe_text(str(exc).strip() or type(exc).__name__)


if __name__ == "__main__":
    sys.exit(main())
