"""The hostile corpus (corpus/01_threads) graded together with ordinary students.

For every hostile submission: the run finishes, the student is recorded with
the expected score and a reason an instructor can read, nobody else's score
changes, no file outside the grading folders changes, and no process outlives
the run. Faking a pass earns nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from test_parallel import (
    ASSIGNMENT,
    add_samples,
    gradebook,
    kernel_processes_now,
    make_course,
    run_autograde,
    scores,
    sqlite_url,
)

sys.path.insert(0, str(ROOT / "corpus"))
import build as corpus  # noqa: E402

# Small limits keep the corpus fast: a stuck cell costs 15 s, not a minute.
CORPUS_CONFIG = """
# tests: the hostile corpus
c.Execute.timeout = 15
c.SafeExecute.memory_limit = "1G"
c.SafeExecute.address_space_limit = "4G"
c.SafeExecute.task_limit = 100
c.SafeExecute.cpu_limit = 40
c.SafeExecute.output_limit = "1M"
"""
ENTRIES = corpus.manifest(ASSIGNMENT)
NORMAL = ["right", "blank", "buggy"]
# Where write_outside tries to write; none of them may change.
TARGETS = [
    ROOT / "autograder" / "pwned.py",
    ROOT / "autograder-pwned.txt",
    Path.home() / "autograder-pwned.txt",
    Path("/tmp/autograder-pwned.txt"),
]
WATCHED = [ROOT / "autograder" / "_harness.py", ROOT / "nbgrader_config.py"]


def _digest(paths) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.exists()}


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    course = make_course(base / "course", extra_config=CORPUS_CONFIG)
    add_samples(course, roles=NORMAL)
    corpus.build(course, ASSIGNMENT)
    for target in TARGETS:
        assert not target.exists(), f"remove {target} before running this test"
    before = {"kernels": kernel_processes_now(), "digests": _digest(WATCHED)}
    start = time.monotonic()
    proc = run_autograde(course, ASSIGNMENT, "--jobs", "2")
    seconds = time.monotonic() - start
    after = {"kernels": kernel_processes_now(), "digests": _digest(WATCHED)}
    print(f"graded {len(ENTRIES) + len(NORMAL)} submissions in {seconds:.0f} s")
    records = json.loads(proc.stdout) if proc.returncode in (0, 1) and proc.stdout else []
    return {
        "course": course,
        "proc": proc,
        "records": {r["student"]: r for r in records},
        "rows": gradebook(sqlite_url(course)),
        "before": before,
        "after": after,
    }


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The ordinary students graded alone, without the hostile ones."""
    course = make_course(tmp_path_factory.mktemp("baseline") / "course", extra_config=CORPUS_CONFIG)
    add_samples(course, roles=NORMAL)
    proc = run_autograde(course, ASSIGNMENT, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return gradebook(sqlite_url(course))


def test_the_run_finishes_and_records_everyone(corpus_run):
    proc = corpus_run["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected = {e["student"] for e in ENTRIES} | set(NORMAL)
    assert set(corpus_run["records"]) == expected
    recorded = {key[1] for key in corpus_run["rows"] if key[0] == ASSIGNMENT}
    assert recorded == expected, "a student is missing from the gradebook"
    for key, value in corpus_run["rows"].items():
        if key[2].endswith("_tests"):
            assert value[0] is not None, f"{key[1]}: {key[2]} has no score"


def _autograded_text(course: Path, student: str) -> str:
    path = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["student"] for e in ENTRIES])
def test_hostile_submission_gets_its_score_and_a_reason(corpus_run, entry):
    student = entry["student"]
    got = scores(corpus_run["rows"], student)
    for exercise, want in entry["expect"].items():
        value = got[exercise]
        if want == "any":
            continue
        if isinstance(want, str) and want.startswith("<"):
            assert value < float(want[1:]), f"{student}/{exercise}: {value}"
        else:
            assert value == want, f"{student}/{exercise}: {value}, expected {want}"
    if entry["reason"]:
        record = corpus_run["records"][student]
        text = _autograded_text(corpus_run["course"], student) + json.dumps(record["notes"])
        assert entry["reason"] in text, f"{student}: no {entry['reason']!r} in its notebook"
    assert not corpus_run["records"][student]["error"]


def test_faking_a_pass_earns_nothing(corpus_run):
    """Each faker submits a known-wrong answer; faking must not lift it to full marks."""
    fakers = [e["student"] for e in ENTRIES if e["student"].startswith(("fake_", "patch_"))]
    assert len(fakers) >= 5
    for student in fakers:
        assert scores(corpus_run["rows"], student)["run_in_threads"] < 6, student


def test_other_students_score_exactly_as_without_the_corpus(corpus_run, baseline):
    for student in NORMAL:
        assert scores(corpus_run["rows"], student) == scores(baseline, student), student


def test_no_process_outlives_the_run(corpus_run):
    leaked = corpus_run["after"]["kernels"] - corpus_run["before"]["kernels"]
    assert not leaked, leaked


def test_no_file_outside_the_grading_folders_changes(corpus_run):
    assert corpus_run["after"]["digests"] == corpus_run["before"]["digests"]
    for target in TARGETS:
        assert not target.exists(), f"a submission created {target}"
    text = _autograded_text(corpus_run["course"], "write_outside")
    # The course's own files, as the kernel sees them: read-only in the sandbox,
    # refused by Landlock without it. (Its home and /tmp may be private to it:
    # the host's are checked above.)
    for what in ("course package", "existing module", "repository root"):
        assert f"{what}: opened" not in text, f"write_outside could write to the {what}"
        assert f"{what}: " in text, f"write_outside did not report on the {what}"


def test_feedback_shows_the_reasons(corpus_run):
    from autograder.course import nbgrader

    course = corpus_run["course"]
    nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=course)
    nbgrader("export", cwd=course)
    html = (course / "feedback" / "segfault" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "segmentation fault" in html
    assert "invalid_json" in (course / "grades.csv").read_text()


def test_the_report_lists_every_student(corpus_run):
    report = corpus_run["course"] / "autograded" / f"{ASSIGNMENT}.report.json"
    students = {r["student"] for r in json.loads(report.read_text())}
    assert students == set(corpus_run["records"])
    assert os.path.getsize(report) > 0
