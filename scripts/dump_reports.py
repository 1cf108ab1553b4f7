"""Print what a student would read for every known-wrong solution of an assignment.

    python scripts/dump_reports.py 03_synchronization [--only TEXT] > reports.txt

Each solution is graded once in this process (`autograder.course.run_suite`, as
`python -m autograder mutants` does: no kernel, no seal), and its score is printed, then
the title and the reason of each failing test, schedules included. Two dumps of the same
commit show which report texts are stable; a dump before and after a change to the
reports shows what the change did. `docs/runs/reports-*` keeps such dumps.
"""

from __future__ import annotations

import argparse
import tempfile

from autograder.course import (
    exercises,
    master_path,
    mutants,
    namespace_from,
    read_notebook,
    run_suite,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--only", default="", help="only the solutions whose name has this")
    args = parser.parse_args()
    nb = read_notebook(master_path(args.assignment))
    points = {ex.grade_id: ex.points for ex in exercises(nb)}
    for m in mutants(args.assignment):
        if args.only not in m.name:
            continue
        with tempfile.TemporaryDirectory(prefix="reports-") as tmp:
            ns = namespace_from(nb, {m.exercise: m.source}, workdir=tmp)
            result = run_suite(args.assignment, m.exercise, ns, points[m.exercise])
        print(f"######## {m.name}\nscore {result.score} / {points[m.exercise]}", flush=True)
        for test in result.tests:
            if not test.passed:
                print(f"===== {test.title}\n{test.reason}", flush=True)
        if result.error:
            print(f"===== (error)\n{result.error}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
