"""Every known-wrong solution loses points, with the same score on every run; every
reference, and every correct answer in another style (`autograder/alternatives/`), scores
full marks on every run.

Each run of each exercise is checked in its own process (`python -m autograder mutants
--exercise X --repeats 1`), so the threads that a deadlocking mutant leaves behind cannot
disturb another exercise or another run; the runs of a solution are judged together.
AUTOGRADER_REPEATS sets the runs per solution: 2 in `make test`, 20 in `make test-mutants`.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import ASSIGNMENTS, ROOT, run_cli

from autograder.course import exercises, mutants, read_notebook

REPEATS = int(os.environ.get("AUTOGRADER_REPEATS", "3"))
CASES = (
    [
        (a, f"{ex.grade_id} (reference)")
        for a in ASSIGNMENTS
        for ex in exercises(read_notebook(ROOT / "source" / a / f"{a}.ipynb"))
    ]
    + [(a, m.name) for a in ASSIGNMENTS for m in mutants(a)]
    + [(a, f"{m.name} (correct)") for a in ASSIGNMENTS for m in mutants(a, "alternatives")]
)


pytestmark = pytest.mark.timeout(4 * 3600)


def _merge(rows: list[dict]) -> dict:
    """Join one solution's rows from several single-run processes into one verdict."""
    first = dict(rows[0])
    first["scores"] = [s for r in rows for s in r["scores"]]
    first["failures"] = [f for r in rows for f in r["failures"]]
    first["runs"] = [run for r in rows for run in r["runs"]]
    seen = [set(run) for run in first["runs"]]
    first["flipping"] = sorted(set().union(*seen) - set.intersection(*seen)) if seen else []
    stable = len(set(first["scores"])) <= 1
    if first["expect_full"]:
        full = all(s == first["points"] for s in first["scores"])
    else:
        full = all(s < first["points"] for s in first["scores"])
    first["ok"] = stable and full
    return first


@pytest.fixture(scope="module")
def verdicts():
    def run(job):
        assignment, exercise, _ = job
        proc = run_cli(
            "mutants",
            assignment,
            "--exercise",
            exercise,
            "--repeats",
            "1",
            "--json",
            timeout=3 * 3600,
        )
        rows = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else []
        return assignment, rows, proc.stderr

    # One process per exercise and run, so that the threads a deadlocking mutant leaves
    # behind disturb nothing else (not even the next run of the same solution), and the
    # work spreads evenly: the exercises with the most solutions go first, so that no long
    # one is left to run alone at the end. Eight at a time: the suites mostly wait on
    # events and deadlines, not the CPU (a run of every exercise used about 16% of a core
    # per process), and their verdicts must not depend on the machine's load: 12
    # processes of 20 runs each at once gave no unstable score, and 8 at a time gave the
    # same score as 4 at a time for every solution and run.
    def size(assignment: str, grade_id: str) -> int:
        return sum(
            m.exercise == grade_id
            for kind in ("mutants", "alternatives")
            for m in mutants(assignment, kind)
        )

    jobs = sorted(
        (
            (a, ex.grade_id, i)
            for a in ASSIGNMENTS
            for ex in exercises(read_notebook(ROOT / "source" / a / f"{a}.ipynb"))
            for i in range(REPEATS)
        ),
        key=lambda job: -size(job[0], job[1]),
    )
    found: dict = {a: {} for a in ASSIGNMENTS}
    errors: dict = {a: "" for a in ASSIGNMENTS}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for assignment, rows, stderr in pool.map(run, jobs):
            for r in rows:
                found[assignment].setdefault(r["name"], []).append(r)
            errors[assignment] += stderr[-2000:]
    out: dict = {}
    for a in ASSIGNMENTS:
        # A solution with fewer rows than REPEATS lost a run: reported, never passed.
        merged = {name: _merge(rows) for name, rows in found[a].items() if len(rows) == REPEATS}
        out[a] = (merged, errors[a])
    return out


#: Known-wrong solutions that lose points on every run but not always the same number
#: of them: open defects of their suites (issue 13, "the same submission always gets
#: the same score"). Each still must lose points every time; its varying score is
#: reported as an expected failure, so a fix shows as XPASS.
KNOWN_UNSTABLE: dict[str, str] = {
    # Empty. The last entry, consumer_thread__bounded_queue_blocks_send (3.46 and 3.84 in the
    # CI rehearsal of stop 26), was fixed in e8e5110 and scored 3.84 in 20 of 20 runs after.
}


@pytest.mark.parametrize(("assignment", "name"), CASES, ids=[f"{a}:{n}" for a, n in CASES])
def test_solution_is_told_apart(verdicts, assignment, name):
    rows, stderr = verdicts[assignment]
    assert name in rows, f"no verdict for {name}; the checker said:\n{stderr[-2000:]}"
    row = rows[name]
    if name.endswith(("(reference)", "(correct)")):
        assert row["ok"], (
            f"the reference scored {row['scores']} of {row['points']} in {REPEATS} runs; "
            f"failing: {sorted(set(row['failures']))}"
        )
    elif name in KNOWN_UNSTABLE:
        assert all(s < row["points"] for s in row["scores"]), (
            f"the known-wrong solution scored full marks in some of {REPEATS} runs: {row['scores']}"
        )
        if len(set(row["scores"])) > 1:
            pytest.xfail(
                f"open: {KNOWN_UNSTABLE[name]}: {row['scores']}; varied: {row.get('flipping')}"
            )
    else:
        assert len(set(row["scores"])) <= 1, (
            f"the known-wrong solution got different scores in {REPEATS} runs: {row['scores']}; "
            f"the tests whose verdict varied: {row.get('flipping')}"
        )
        assert row["ok"], (
            f"the known-wrong solution scored full marks in some of {REPEATS} runs: {row['scores']}"
        )
