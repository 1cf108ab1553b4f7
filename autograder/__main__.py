"""Command line: python -m autograder {grade,release,mutants,demo} ..."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._notebook import UsageError


def _cmd_grade(args) -> int:
    from ._grading import grade_notebook

    scores = grade_notebook(Path(args.notebook), args.assignment)
    if args.json:
        print(json.dumps(scores, indent=2))
    else:
        for key, entry in scores.items():
            score = "manual" if entry.get("needs_manual_grade") else entry["score"]
            print(f"{key:24} {score} / {entry['max_score']}")
    return 0


def _cmd_release(args) -> int:
    from ._grading import release

    for name in release(args.assignments or None):
        print(f"released {name}")
    return 0


def _cmd_mutants(args) -> int:
    from ._mutants import main

    return main(args.assignments, repeats=args.repeats, as_json=args.json)


def _cmd_demo(args) -> int:
    from ._grading import demo

    demo(names=args.assignments or None)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("grade", help="grade one notebook without touching the gradebook")
    p.add_argument("notebook", help="the submitted .ipynb file")
    p.add_argument("--assignment", required=True, help="assignment name, e.g. 01_threads")
    p.add_argument(
        "--json", action="store_true", help="print {grade_id: {score, max_score}} as JSON"
    )
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=_cmd_release)

    p = sub.add_parser("mutants", help="check that every known-wrong solution loses points")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print one JSON list of verdicts")
    p.set_defaults(func=_cmd_mutants)

    p = sub.add_parser("demo", help="release and grade the sample submissions end to end")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=_cmd_demo)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
