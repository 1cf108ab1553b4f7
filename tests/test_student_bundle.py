"""`make student-bundle`: the self-study archive holds no answer, and Validate works in it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile

import nbformat
import pytest
from conftest import ROOT

from autograder.course import read_notebook, sample_submission

SCRIPT = ROOT / "scripts" / "student_bundle.py"
TOP = "concurrency-course"
SOLUTION = re.compile(r"### BEGIN SOLUTION\s*\n(.*?)### END SOLUTION", re.S)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "student-bundle.tar.gz"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    with tarfile.open(out) as tar:
        files = {
            m.name: tar.extractfile(m).read().decode(errors="replace")
            for m in tar.getmembers()
            if m.isfile()
        }
    return out, files


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_the_bundle_holds_only_student_material(bundle):
    _, files = bundle
    assert files, "the bundle is empty"
    assert all(name.startswith(f"{TOP}/") for name in files), sorted(files)
    inner = {name[len(TOP) + 1 :] for name in files}
    tops = {name.split("/", 1)[0] for name in inner}
    assert tops <= {
        "notebooks",
        "assignments",
        "coursekit",
        "requirements.txt",
        "constraints.txt",
        "README.md",
        "Makefile",
    }, tops
    for name in inner:
        for banned in ("source", "suites", "mutants", "alternatives", "gradebook", "autograder"):
            assert banned not in name, f"{name} should not be in a student's bundle"
    released = {p.parent.name for p in (ROOT / "release").glob("*/*.ipynb")}
    assert {n.split("/")[1] for n in inner if n.startswith("assignments/")} == released
    # Every helper module the lessons import, sub-packages (coursekit.bench) included.
    helpers = {p.relative_to(ROOT).as_posix() for p in (ROOT / "coursekit").rglob("*.py")}
    assert {n for n in inner if n.startswith("coursekit/")} == helpers


def test_no_solution_or_hidden_test_is_in_the_bundle(bundle):
    _, files = bundle
    text = {name: _squash(body) for name, body in files.items()}
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.check("):
        found = [name for name, body in text.items() if marker in body]
        assert not found, f"{marker!r} is in {found}"
    checked = 0
    for master in sorted((ROOT / "source").glob("*/*.ipynb")):
        nb = read_notebook(master)
        for cell in nb.cells:
            for block in SOLUTION.findall(cell.source):
                solution = _squash(block)
                if len(solution) < 80:
                    continue  # too short to tell an answer from ordinary code
                checked += 1
                found = [name for name, body in text.items() if solution in body]
                assert not found, f"a solution of {master.name} is in {found}: {solution[:120]}"
    assert checked >= 10, f"only {checked} solutions were long enough to look for"


def test_validate_passes_on_a_correct_answer_inside_an_unpacked_copy(bundle, tmp_path):
    archive, _ = bundle
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data")
    course = tmp_path / TOP
    release = course / "assignments" / "01_threads" / "01_threads.ipynb"
    right = sample_submission("01_threads", read_notebook(release), "right")
    nbformat.write(right, release)
    env = dict(os.environ)
    # The bundle's own coursekit comes first on the path, as it would in its own venv.
    env["PYTHONPATH"] = str(course)
    env["PATH"] = str(ROOT / ".venv" / "bin") + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", str(release)],
        capture_output=True,
        text=True,
        cwd=release.parent,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Success! Your notebook passes all the tests." in proc.stdout, proc.stdout[-2000:]
    stub = nbformat.read(ROOT / "release" / "01_threads" / "01_threads.ipynb", as_version=4)
    nbformat.write(stub, release)
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", str(release)],
        capture_output=True,
        text=True,
        cwd=release.parent,
        env=env,
        timeout=600,
    )
    assert "Success!" not in proc.stdout, "Validate should fail on the untouched stubs"
