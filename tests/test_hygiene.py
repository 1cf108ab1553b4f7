"""Notebook hygiene: names, clean outputs, kernelspec, and well-formed exercises."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from conftest import ASSIGNMENTS, ROOT

from autograder.contracts import suite_contracts
from autograder.course import (
    NAME,
    exercises,
    is_test_cell,
    mutants,
    nbgrader_meta,
    read_notebook,
)

HIDDEN = re.compile(
    r"### BEGIN HIDDEN TESTS\n"
    r'import autograder; autograder\.check\("(?P<a>[^"]+)", "(?P<e>[^"]+)", (?P<p>[0-9.]+), globals\(\)\)\n'
    r"### END HIDDEN TESTS\s*$"
)


def tracked(pattern: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", pattern], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.split()


def all_notebooks():
    return (
        sorted(ROOT.glob("notebooks/*.ipynb"))
        + sorted(ROOT.glob("source/*/*.ipynb"))
        + sorted(ROOT.glob("release/*/*.ipynb"))
    )


def test_there_are_notebooks():
    assert ASSIGNMENTS, "no assignments in source/"
    assert list(ROOT.glob("notebooks/*.ipynb")), "no lessons in notebooks/"


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_clean(path):
    raw = json.loads(path.read_text())
    assert raw["nbformat"] == 4
    assert raw["metadata"]["kernelspec"]["name"] == "python3", "kernelspec must be python3"
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: a code cell has stored outputs"
            assert cell["execution_count"] is None, (
                f"{path.name}: a code cell has an execution count"
            )
    stem = path.stem
    assert NAME.match(stem), f"{path.name}: not NN_topic"
    if path.parent.name != "notebooks":
        assert path.parent.name == stem, f"{path}: folder and notebook names differ"


def test_names_follow_nn_topic():
    for folder in ("source", "release"):
        for p in (ROOT / folder).iterdir():
            if p.name.startswith("."):
                continue
            assert p.is_dir() and NAME.match(p.name), f"{folder}/{p.name}: not an NN_topic folder"
    for p in (ROOT / "notebooks").iterdir():
        if p.suffix == ".ipynb":
            assert NAME.match(p.stem), f"notebooks/{p.name}: not NN_topic"
    assert not [f for f in tracked("*") if "Untitled" in f or ".ipynb_checkpoints" in f]


def test_every_assignment_has_a_release():
    released = sorted(p.name for p in (ROOT / "release").iterdir() if p.is_dir())
    assert released == ASSIGNMENTS


def test_lessons_carry_no_grading_metadata():
    for path in ROOT.glob("notebooks/*.ipynb"):
        nb = read_notebook(path)
        assert not any(nbgrader_meta(c) for c in nb.cells), f"{path.name} has nbgrader metadata"


def _suite_exercises(assignment: str) -> set[str]:
    """The exercises that have at least one hidden test in the assignment's suite."""
    return set(suite_contracts(ROOT / "autograder" / "suites" / f"test_{assignment}.py"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_are_well_formed(assignment):
    nb = read_notebook(ROOT / "source" / assignment / f"{assignment}.ipynb")
    exs = exercises(nb)
    assert exs, "no autograded exercises"
    answers = [
        nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c).get("solution")
    ]
    suite = _suite_exercises(assignment)
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        meta = nbgrader_meta(cell)
        gid = meta["grade_id"]
        assert gid.endswith("_tests"), f"test cell {gid} should be named <exercise>_tests"
        ex = gid.removesuffix("_tests")
        assert ex in answers, f"{gid}: no answer cell {ex!r}"
        assert meta.get("locked"), f"{gid}: test cells must be locked"
        assert cell.source.lstrip().startswith('"""'), f"{gid}: open with a one-line docstring"
        m = HIDDEN.search(cell.source)
        assert m, f"{gid}: the hidden part must be exactly one autograder.check(...) call"
        assert m["a"] == assignment and m["e"] == ex, f"{gid}: check() names the wrong exercise"
        assert float(m["p"]) == float(meta["points"]), (
            f"{gid}: check() points differ from the cell's"
        )
        assert ex in suite, f"no hidden tests marked exercise({ex!r}) in test_{assignment}.py"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_assignment_has_a_manually_graded_answer(assignment):
    nb = read_notebook(ROOT / "source" / assignment / f"{assignment}.ipynb")
    manual = [
        c for c in nb.cells if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")
    ]
    assert manual, "add at least one manually graded written answer"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_exercise_has_known_wrong_solutions(assignment):
    nb = read_notebook(ROOT / "source" / assignment / f"{assignment}.ipynb")
    counts = {ex.grade_id: 0 for ex in exercises(nb)}
    for m in mutants(assignment):
        assert m.exercise in counts, f"mutant {m.name}: no exercise {m.exercise!r}"
        assert m.description != m.name, (
            f"mutant {m.name}: open with a docstring saying what is wrong"
        )
        counts[m.exercise] += 1
    thin = {k: v for k, v in counts.items() if v < 3}
    assert not thin, f"fewer than three known-wrong solutions: {thin}"
