"""`python -m autograder grade`: real nbgrader, scratch gradebook, one-line errors."""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import ROOT, run_cli

from autograder.course import exercises, graded_cells, read_notebook, sample_submission

RELEASE = ROOT / "release" / "01_threads" / "01_threads.ipynb"


def _gradebook_state():
    db = ROOT / "gradebook.db"
    return (db.stat().st_mtime_ns, db.stat().st_size) if db.exists() else None


def test_grade_prints_every_graded_cell_as_json(tmp_path):
    before = _gradebook_state()
    right = tmp_path / "01_threads.ipynb"
    nbformat.write(sample_submission("01_threads", read_notebook(RELEASE), "right"), right)
    proc = run_cli("grade", str(right), "--assignment", "01_threads", "--json")
    assert proc.returncode == 0, proc.stderr
    scores = json.loads(proc.stdout)
    release = read_notebook(RELEASE)
    assert set(scores) == {key for key, _ in graded_cells(release)}
    for ex in exercises(release):
        assert scores[ex.grade_id] == {"score": ex.points, "max_score": ex.points, "failing": []}, (
            ex.grade_id
        )
    # A written answer waits for a person.
    assert scores["why_daemon"]["score"] is None
    assert scores["why_daemon"]["needs_manual_grade"]
    assert _gradebook_state() == before, "grading one notebook must not touch the course gradebook"


def test_grade_shows_each_failing_property_with_its_reason(tmp_path):
    buggy = tmp_path / "01_threads.ipynb"
    nbformat.write(sample_submission("01_threads", read_notebook(RELEASE), "buggy"), buggy)
    proc = run_cli("grade", str(buggy), "--assignment", "01_threads", "--json")
    assert proc.returncode == 0, proc.stderr
    scores = json.loads(proc.stdout)
    for key in ("run_in_threads", "heartbeat"):
        assert scores[key]["score"] < scores[key]["max_score"], scores
        failing = scores[key]["failing"]
        assert failing and all(f["property"] and f["reason"] for f in failing), failing
    text = run_cli("grade", str(buggy), "--assignment", "01_threads")
    assert text.returncode == 0, text.stderr
    for key in ("run_in_threads", "heartbeat"):
        for f in scores[key]["failing"]:
            assert f["reason"].splitlines()[0] in text.stdout, text.stdout
            if f["property"] != "the hidden suite":
                assert f"  FAIL  {f['property']}" in text.stdout, text.stdout


def test_grade_gives_zero_to_the_untouched_release():
    proc = run_cli("grade", str(RELEASE), "--assignment", "01_threads", "--json")
    assert proc.returncode == 0, proc.stderr
    scores = json.loads(proc.stdout)
    assert all(entry["score"] == 0 for entry in scores.values()), scores


def _bad(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    ("make", "expect"),
    [
        (lambda t: t / "missing.ipynb", "no such notebook"),
        (lambda t: _bad(t, "broken.ipynb", '{"cells": [ '), "not valid JSON"),
        (lambda t: _bad(t, "empty.ipynb", ""), "not valid JSON"),
        (lambda t: _bad(t, "binary.ipynb", b"\x89PNG\r\n\x1a\n\xff\xfe"), "not a text file"),
        (lambda t: _bad(t, "list.ipynb", "[1, 2]"), "not a notebook"),
        (
            lambda t: _bad(t, "v3.ipynb", json.dumps({"cells": [], "nbformat": 3, "metadata": {}})),
            "nbformat 3",
        ),
        (lambda t: t, "is a folder"),
    ],
    ids=[
        "missing",
        "invalid-json",
        "empty-file",
        "binary",
        "not-a-notebook",
        "nbformat-3",
        "folder",
    ],
)
def test_bad_input_gets_a_one_line_error(tmp_path, make, expect):
    proc = run_cli("grade", str(make(tmp_path)), "--assignment", "01_threads", "--json")
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and expect in lines[0], lines[0]


def test_unknown_assignment_gets_a_one_line_error():
    proc = run_cli("grade", str(RELEASE), "--assignment", "99_nothing", "--json")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "unknown assignment '99_nothing'" in lines[0]
    assert "01_threads" in lines[0]
