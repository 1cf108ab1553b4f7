"""`make demo` end to end: release, sample submissions, autograde, feedback, export."""

from __future__ import annotations

import csv
import os
import subprocess
import time

import pytest
from conftest import ROOT, run_cli

from autograder.course import demo_roles, exercises, master_path, read_notebook, read_scores

# The demo grades every assignment's sample students end to end.
pytestmark = pytest.mark.timeout(1800)


def _git_status():
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    ).stdout


# `make demo` grades every assignment; here two of them keep `make test` quick while
# exercising the same pipeline (the others' students are checked by test_mutants and nbval).
DEMO = os.environ.get("AUTOGRADER_DEMO", "01_threads 03_synchronization").split()


@pytest.fixture(scope="module")
def demo():
    before = _git_status()
    start = time.monotonic()
    proc = run_cli("demo", *DEMO, timeout=1800)
    elapsed = time.monotonic() - start
    return proc, elapsed, before, ROOT / "build" / "demo"


def test_demo_runs_and_prints_a_table(demo):
    proc, elapsed, _, _ = demo
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in DEMO:
        assert name in proc.stdout
    for student in ("right", "blank", "buggy", "deadlock", "loop"):
        assert f"  {student}" in proc.stdout
    print(f"make demo took {elapsed:.0f} s")


def test_demo_leaves_no_tracked_file_changed(demo):
    _, _, before, _ = demo
    assert _git_status() == before


def test_demo_writes_feedback_and_grades_csv(demo):
    _, _, _, course = demo
    rows = list(csv.DictReader((course / "grades.csv").open()))
    students = {r["student_id"] for r in rows}
    assert {"right", "blank", "buggy", "deadlock", "loop"} <= students
    for name in DEMO:
        assert (course / "feedback" / "right" / name / f"{name}.html").exists()


def test_demo_scores_tell_the_students_apart(demo):
    _, _, _, course = demo
    for name in DEMO:
        points = {ex.grade_id: ex.points for ex in exercises(read_notebook(master_path(name)))}
        students = [
            "right",
            "blank",
            *[r for r in ("buggy", "deadlock", "loop") if r in demo_roles(name)],
        ]
        scores = read_scores(course, name, students)
        for ex, full in points.items():
            assert scores["right"][ex]["score"] == full, (
                f"{name}/{ex}: right got {scores['right'][ex]}"
            )
            assert scores["blank"][ex]["score"] == 0, (
                f"{name}/{ex}: blank got {scores['blank'][ex]}"
            )
        for role in students[2:]:
            lost = [ex for ex, full in points.items() if scores[role][ex]["score"] < full]
            assert lost, f"{name}: the {role} sample lost no points"
