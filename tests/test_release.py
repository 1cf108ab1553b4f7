"""release/ is exactly what nbgrader generate_assignment makes from source/."""

from __future__ import annotations

import json

import pytest
from conftest import ASSIGNMENTS, ROOT

from autograder.course import nbgrader, new_course


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    new_course(course, ASSIGNMENTS)
    for name in ASSIGNMENTS:
        nbgrader("generate_assignment", name, "--force", cwd=course)
    return course


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_matches_a_fresh_generate_assignment(fresh, assignment):
    committed = ROOT / "release" / assignment
    generated = fresh / "release" / assignment
    names = sorted(p.relative_to(generated).as_posix() for p in generated.rglob("*") if p.is_file())
    have = sorted(
        p.relative_to(committed).as_posix()
        for p in committed.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert have == names, "release/ holds different files: run `make release`"
    for name in names:
        a, b = (committed / name).read_bytes(), (generated / name).read_bytes()
        if name.endswith(".ipynb"):
            a, b = json.loads(a), json.loads(b)
        assert a == b, f"release/{assignment}/{name} is stale or hand-edited: run `make release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_hides_solutions_and_hidden_tests(assignment):
    text = (ROOT / "release" / assignment / f"{assignment}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.check"):
        assert marker not in text, f"release/{assignment} leaks {marker!r}"
