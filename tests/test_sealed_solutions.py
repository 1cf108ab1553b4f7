"""The other solutions, graded the way a student's notebook is: in a real kernel.

`test_mutants.py` grades every known-wrong and every alternative solution many times,
but in this process (`run_suite`), without the kernel, the sandbox, the seal, the
notebook's own cells, or its visible tests. Each of those can change a verdict: the seal
refuses some hooks, and a visible test leaves objects and threads behind in the kernel.
So here, through `python -m autograder grade` (the sealed kernel in its sandbox):

* every alternative correct solution gets full marks. Notebook k of an assignment holds
  the k-th alternative of each exercise (an exercise with fewer alternatives repeats its
  first), so every alternative is graded once;
* a known-wrong solution of every exercise loses points: notebook "wrong" holds the first
  known-wrong solution, by name, of each exercise.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from conftest import ASSIGNMENTS, ROOT, run_cli

from autograder.course import mutants, replace_answers, solution_answers

pytestmark = pytest.mark.timeout(3600)


def _by_exercise(assignment: str, kind: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for m in mutants(assignment, kind):
        out.setdefault(m.exercise, []).append(m)
    return out


def _notebooks() -> list[tuple[str, str, dict]]:
    """(assignment, label, {exercise: solution name}) for every notebook graded here."""
    out = []
    for a in ASSIGNMENTS:
        alternatives = _by_exercise(a, "alternatives")
        for k in range(max((len(v) for v in alternatives.values()), default=0)):
            chosen = {ex: (v[k] if k < len(v) else v[0]).name for ex, v in alternatives.items()}
            out.append((a, f"alternatives-{k}", chosen))
        wrong = {ex: v[0].name for ex, v in _by_exercise(a, "mutants").items()}
        out.append((a, "wrong", wrong))
    return out


NOTEBOOKS = _notebooks()


def _build(assignment: str, chosen: dict[str, str], kind: str, path) -> None:
    sources = {m.name: m.source for m in mutants(assignment, kind)}
    answers = dict(solution_answers(assignment))
    answers.update({ex: sources[name] for ex, name in chosen.items()})
    released = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    nbformat.write(replace_answers(released, answers), path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("sealed")

    def grade(job):
        assignment, label, chosen = job
        path = base / f"{assignment}-{label}.ipynb"
        _build(assignment, chosen, "mutants" if label == "wrong" else "alternatives", path)
        proc = run_cli("grade", "--assignment", assignment, "--json", str(path), timeout=900)
        try:
            return (assignment, label), json.loads(proc.stdout)
        except ValueError:
            return (assignment, label), {"error": f"exit {proc.returncode}: {proc.stderr[-2000:]}"}

    # Three at a time: a grading kernel mostly waits on its tests' events and deadlines.
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(grade, NOTEBOOKS))


def _why(cell: dict) -> str:
    return "; ".join(f"{f['property']}: {f['reason']}" for f in cell.get("failing", []))[:1500]


@pytest.mark.parametrize(
    ("assignment", "label", "chosen"), NOTEBOOKS, ids=[f"{a}:{lab}" for a, lab, _ in NOTEBOOKS]
)
def test_graded_in_a_real_kernel(graded, assignment, label, chosen):
    cells = graded[(assignment, label)]
    assert "error" not in cells, cells.get("error")
    for exercise, name in sorted(chosen.items()):
        cell = cells[exercise]
        if label == "wrong":
            assert cell["score"] < cell["max_score"], (
                f"the known-wrong {name} got full marks in a real kernel"
            )
        else:
            assert cell["score"] == cell["max_score"], (
                f"the correct {name} got {cell['score']} of {cell['max_score']} in a real "
                f"kernel: {_why(cell)}"
            )
