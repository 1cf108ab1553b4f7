"""Grading you can trust: links, pipes, big and broken notebooks, and dying workers.

One parallel run grades ordinary students next to submissions that try to make
the grader follow links (to a file outside the course, to the master, to
another student's notebook, to system files and the hidden suite), that hold a
named pipe or a dangling link beside a correct notebook, that plant a link
where the grader writes (before the run, and from the student's kernel during
it), a 55 MB correct notebook, three malformed notebooks, and students whose
grading worker is killed (once, twice) or hangs. The checks are facts: files
outside the grading folders keep their hashes, the gradebook is still an intact
SQLite file, every student is exported, nobody's content leaks into
``autograded/`` or ``feedback/``, and the ordinary students score as in a clean
run.
"""

from __future__ import annotations

import base64
import copy
import csv
import hashlib
import json
import os
import pickle
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from test_parallel import (
    ASSIGNMENT,
    TEST_CONFIG,
    gradebook,
    grading_env,
    kernel_processes_now,
    make_course,
    scores,
    sqlite_url,
    submit,
)

from autograder import _parallel
from autograder.course import (
    NOTES,
    nbgrader,
    read_notebook,
    replace_answers,
    sample_submission,
    solution_answers,
)

NB = f"{ASSIGNMENT}.ipynb"
FULL = {"run_in_threads": 6.0, "heartbeat": 6.0}
#: Students graded next to the attacks, and again alone in a clean run.
NORMAL = ["right", "blank", "steady"]
#: A file name that would retitle and clear the terminal if printed raw.
EVIL_NAME = "evil\x1b]0;pwned\x07\x1b[2J\x9b31m"
#: Seconds a worker may spend on one submission in this run (the test hook's deadline).
DEADLINE = 40


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _folder(course: Path, student: str) -> Path:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _big(nb, megabytes: float):
    """A copy of `nb` with a saved plot of about `megabytes` MB in its first answer cell."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    png = base64.b64encode(os.urandom(int(megabytes * 1e6 * 3 / 4))).decode()
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.outputs = [
                nbformat.v4.new_output(
                    "display_data", data={"image/png": png, "text/plain": "<Figure>"}
                )
            ]
            break
    return nb


def _planter(release_nb, target: Path):
    """A right answer whose kernel swaps its own notebook for a link to `target`."""
    answers = solution_answers(ASSIGNMENT)
    answers["run_in_threads"] += (
        f"\nimport os as _os\n_os.remove({NB!r})\n_os.symlink({str(target)!r}, {NB!r})\n"
    )
    return replace_answers(release_nb, answers)


def _malformed(course: Path, right) -> None:
    raw = json.loads(nbformat.writes(right))
    no_source = json.loads(json.dumps(raw))
    code = [c for c in no_source["cells"] if c["cell_type"] == "code"]
    del code[1]["source"]
    bad_minor = json.loads(json.dumps(raw))
    bad_minor["nbformat_minor"] = 99
    bad_minor["metadata"]["kernelspec"] = 5
    for student, content in {
        "no_source": no_source,
        "bad_minor": bad_minor,
        "list_root": [raw],
    }.items():
        (_folder(course, student) / NB).write_text(json.dumps(content))


def _processes_naming(folder: Path) -> set[str]:
    """Processes whose command line names `folder` (the run's temporary folder)."""
    out = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as fh:
                    command = fh.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(folder) in command:
                out.add(f"{name}: {command[:160]}")
    return out


def _read_report(path: Path) -> dict[str, dict]:
    return {r["student"]: r for r in json.loads(path.read_text())}


def _notes(record: dict) -> str:
    return " | ".join(record["notes"]) + " | " + record["error"]


@pytest.fixture(scope="module")
def attack(tmp_path_factory):
    base = tmp_path_factory.mktemp("files-and-workers")
    outside = base / "outside"
    outside.mkdir()
    sentinels = {}
    for name in ("linked", "planted", "feedback", "grade"):
        sentinels[name] = outside / f"{name}.txt"
        sentinels[name].write_text(f"precious {name}\n")
    course = make_course(base / "course")
    release_nb = read_notebook(course / "release" / ASSIGNMENT / NB)
    right = sample_submission(ASSIGNMENT, release_nb, "right")
    submit(course, ASSIGNMENT, "right", right)
    submit(course, ASSIGNMENT, "steady", right)
    submit(course, ASSIGNMENT, "blank", release_nb)

    # Links where the notebook should be, and next to it.
    os.symlink(sentinels["linked"], _folder(course, "link_outside") / NB)
    master = course / "source" / ASSIGNMENT / NB
    folder = _folder(course, "link_master")
    os.symlink(master, folder / NB)
    os.symlink(ROOT / "autograder" / "suites" / "test_01_threads.py", folder / "suite.py")
    os.symlink("/etc/passwd", folder / "passwd")
    os.symlink(f"../../right/{ASSIGNMENT}/{NB}", _folder(course, "link_other") / NB)
    (course / "submitted" / "link_folder").mkdir()  # the assignment folder itself
    os.symlink(course / "source" / ASSIGNMENT, course / "submitted" / "link_folder" / ASSIGNMENT)

    # A correct notebook with a pipe, a dangling link and a link to a folder beside it.
    submit(course, ASSIGNMENT, "pipe_beside", right)
    folder = _folder(course, "pipe_beside")
    os.mkfifo(folder / "pipe")
    os.mkfifo(folder / EVIL_NAME)
    os.symlink("/nonexistent/notes.txt", folder / "notes.txt")
    os.symlink(course / "source", folder / "lib")
    os.mkfifo(_folder(course, "pipe_notebook") / NB)

    # Links planted where the grader writes, before the run and by the kernel.
    submit(course, ASSIGNMENT, "planted", right)
    for kind, name in (("autograded", NB), ("feedback", f"{ASSIGNMENT}.html")):
        where = course / kind / "planted" / ASSIGNMENT
        where.mkdir(parents=True)
        os.symlink(sentinels["planted" if kind == "autograded" else "feedback"], where / name)
    submit(course, ASSIGNMENT, "kernel_planter", _planter(release_nb, course / "gradebook.db"))

    # A correct notebook that writes too much, says the grader's words itself, and
    # brings notes of its own in its cell metadata.
    noisy = copy.deepcopy(right)
    noisy.cells.append(
        nbformat.v4.new_code_cell(
            'print("the notebook changed the grading machinery")\n'
            'print("[autograder: output cut off here]")\n'
            'print("x" * 3_000_000)'
        )
    )
    noisy.cells[0].metadata[NOTES] = ["FORGED NOTE"]
    submit(course, ASSIGNMENT, "noisy", noisy)

    # Big and broken notebooks.
    submit(course, ASSIGNMENT, "big", _big(right, 55))
    _malformed(course, right)

    # Workers that die or hang on these students (tests only: see _run_test_hook).
    for student in ("crash_once", "crash_twice", "hang_once"):
        submit(course, ASSIGNMENT, student, right)
    hook_dir = base / "hooks"
    hook_dir.mkdir()
    hook = {
        "dir": str(hook_dir),
        "deadline": DEADLINE,
        "students": {
            "crash_once": {"action": "kill", "after": 2, "times": 1},
            "crash_twice": {"action": "kill", "after": 2, "times": 2},
            "hang_once": {"action": "hang", "times": 1},
        },
    }

    hashes = {name: _sha(path) for name, path in sentinels.items()}
    hashes["passwd"] = _sha(Path("/etc/passwd"))
    hashes["master"] = _sha(master)
    before = kernel_processes_now()
    env = grading_env()
    env[_parallel.TEST_HOOK_ENV] = json.dumps(hook)
    # Worker and kernel folders go below this folder, so every process of the run
    # (sandboxed kernels included, whose environment is cleared) names it.
    tmp = base / "tmp"
    tmp.mkdir()
    env["TMPDIR"] = str(tmp)
    report = base / "report.json"
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "autograde", ASSIGNMENT, "--course", str(course)]
        + ["--jobs", "2", "--force", "--no-progress", "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=course,
    )
    print(f"graded the attack course in {time.monotonic() - start:.0f} s")
    after = kernel_processes_now() | _processes_naming(tmp)
    nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=course)
    nbgrader("export", cwd=course)
    return {
        "base": base,
        "course": course,
        "proc": proc,
        "records": _read_report(report) if report.exists() else {},
        "rows": gradebook(sqlite_url(course)),
        "sentinels": sentinels,
        "hashes": hashes,
        "leaked": after - before,
        "right": right,
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory, attack):
    """The ordinary students graded alone in parallel, and the big notebook by serial nbgrader."""
    course = make_course(tmp_path_factory.mktemp("clean") / "course")
    for student in NORMAL:
        src = attack["course"] / "submitted" / student / ASSIGNMENT / NB
        submit(course, ASSIGNMENT, student, nbformat.read(src, as_version=4))
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "autograde", ASSIGNMENT, "--course", str(course)]
        + ["--jobs", "2", "--no-progress"],
        capture_output=True,
        text=True,
        timeout=600,
        env=grading_env(),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    big = _folder(course, "big")
    (big / NB).write_bytes((attack["course"] / "submitted" / "big" / ASSIGNMENT / NB).read_bytes())
    serial = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--student", "big"],
        cwd=course,
        env=grading_env(),
        capture_output=True,
        text=True,
    )
    assert serial.returncode == 0, serial.stderr[-3000:]
    return gradebook(sqlite_url(course))


# --------------------------------------------------------------------------
# Nothing outside the grading folders changes; the gradebook survives


def test_the_run_finishes_and_records_everyone(attack):
    proc, records = attack["proc"], attack["records"]
    assert proc.returncode == 1, proc.stderr[-3000:]  # crash_twice and the malformed ones
    students = {p.name for p in (attack["course"] / "submitted").iterdir()}
    assert set(records) == students
    total = sum(
        float(c.metadata.get("nbgrader", {}).get("points", 0))
        for c in read_notebook(ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").cells
        if c.metadata.get("nbgrader", {}).get("grade")
    )
    assert all(r["max_score"] == total for r in records.values()), {
        s: r["max_score"] for s, r in records.items()
    }


def test_every_student_is_in_the_export(attack):
    with open(attack["course"] / "grades.csv", newline="") as fh:
        exported = {row["student_id"] for row in csv.DictReader(fh)}
    assert set(attack["records"]) <= exported


def test_files_outside_the_course_keep_their_hashes(attack):
    for name, path in attack["sentinels"].items():
        assert _sha(path) == attack["hashes"][name], f"{path} was written through a link"
    assert _sha(Path("/etc/passwd")) == attack["hashes"]["passwd"]
    master = attack["course"] / "source" / ASSIGNMENT / NB
    assert _sha(master) == attack["hashes"]["master"]


def test_the_gradebook_is_still_an_intact_sqlite_file(attack):
    db = attack["course"] / "gradebook.db"
    assert not db.is_symlink()
    assert db.read_bytes()[:16] == b"SQLite format 3\x00", "the gradebook was overwritten"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_no_link_or_special_file_in_autograded_or_feedback(attack):
    course = attack["course"]
    for kind in ("autograded", "feedback"):
        for dirpath, dirnames, filenames in os.walk(course / kind):
            for name in dirnames + filenames:
                mode = os.lstat(Path(dirpath) / name).st_mode
                assert stat.S_ISDIR(mode) or stat.S_ISREG(mode), f"{dirpath}/{name}"
    assert (course / "autograded" / "planted" / ASSIGNMENT / NB).stat().st_size > 1000


def test_no_foreign_content_reaches_autograded_or_feedback(attack):
    course = attack["course"]
    answer = solution_answers(ASSIGNMENT)["run_in_threads"].splitlines()[4].strip()
    release = (course / "release" / ASSIGNMENT / NB).read_text()
    assert answer and answer not in release
    markers = {
        "the master's solutions": "### BEGIN SOLUTION",
        "the hidden suite": "Hidden tests for 01_threads",
        "/etc/passwd": "root:x:0:0",
        "another student's answer": answer,
        "the outside file": "precious",
    }
    for student in ("link_outside", "link_master", "link_other", "link_folder", "pipe_beside"):
        for kind in ("autograded", "feedback"):
            folder = course / kind / student / ASSIGNMENT
            assert folder.exists() or kind == "feedback", folder
            for path in folder.rglob("*") if folder.exists() else []:
                text = path.read_bytes().decode("utf-8", "replace")
                for what, marker in markers.items():
                    if student == "pipe_beside" and what == "another student's answer":
                        continue  # its own (correct) answer is the same as right's
                    assert marker not in text, f"{what} leaked into {path}"
        names = {p.name for p in (course / "autograded" / student / ASSIGNMENT).iterdir()}
        assert names <= {NB, "timestamp.txt"}, names


# --------------------------------------------------------------------------
# What each student gets, and why


def test_a_notebook_beside_a_pipe_and_links_is_graded_and_they_are_named(attack):
    rows, record = attack["rows"], attack["records"]["pipe_beside"]
    assert scores(rows, "pipe_beside") == FULL
    notes = _notes(record)
    for name, why in (
        ("pipe", "a named pipe"),
        ("notes.txt", "a symbolic link"),
        ("lib", "a symbolic link to a folder"),
    ):
        assert f"{name} ({why})" in notes, notes
    assert not record["error"]


def test_links_and_pipes_in_place_of_the_notebook_score_nothing_and_say_why(attack):
    rows, records = attack["rows"], attack["records"]
    for student, why in (
        ("link_outside", "is a symbolic link"),
        ("link_master", "is a symbolic link"),
        ("link_other", "is a symbolic link"),
        ("link_folder", "the submission folder is a symbolic link"),
        ("pipe_notebook", "is a named pipe"),
    ):
        assert scores(rows, student) == {"run_in_threads": 0.0, "heartbeat": 0.0}, student
        assert why in _notes(records[student]), (student, records[student])


def test_planted_links_are_replaced_and_the_students_graded(attack):
    rows = attack["rows"]
    assert scores(rows, "planted") == FULL
    # The kernel's link does not change its grade either; it is simply not followed.
    assert scores(rows, "kernel_planter") == FULL


@pytest.mark.parametrize(
    ("student", "cause"),
    [
        ("no_source", "'source' is a required property"),
        ("bad_minor", "kernelspec"),
        ("list_root", "top level is a list"),
    ],
)
def test_malformed_notebooks_get_the_real_cause(attack, student, cause):
    record = attack["records"][student]
    notes = _notes(record)
    assert cause in notes, notes
    assert "see the above traceback" not in notes and "Please see" not in notes
    assert scores(attack["rows"], student) == {"run_in_threads": 0.0, "heartbeat": 0.0}


def test_a_big_notebook_scores_the_same_in_both_paths(attack, clean):
    size = (attack["course"] / "submitted" / "big" / ASSIGNMENT / NB).stat().st_size
    assert size > 52 << 20  # over the old parallel limit, under nbgrader's 100 MB
    assert scores(clean, "big") == FULL  # serial nbgrader autograde
    assert scores(attack["rows"], "big") == scores(clean, "big")


# --------------------------------------------------------------------------
# Workers


def test_notes_are_what_the_grader_recorded_not_what_the_notebook_said(attack):
    notes = attack["records"]["noisy"]["notes"]
    assert scores(attack["rows"], "noisy") == FULL
    assert any(n.startswith("output cut off in") for n in notes), notes
    assert "FORGED NOTE" not in notes
    assert not any("grading machinery" in n for n in notes), notes
    # An honest notebook gets no note at all.
    assert attack["records"]["right"]["notes"] == []


def test_a_worker_that_dies_twice_costs_only_its_own_submission(attack):
    record = attack["records"]["crash_twice"]
    assert record["error"] == (
        "the grading worker died twice while grading this submission (signal 9)"
    )
    assert scores(attack["rows"], "crash_twice") == {"run_in_threads": 0.0, "heartbeat": 0.0}


def test_a_worker_that_dies_or_hangs_once_is_replaced_and_the_student_graded(attack):
    records = attack["records"]
    assert scores(attack["rows"], "crash_once") == FULL
    assert "(signal 9); it was graded again" in _notes(records["crash_once"])
    assert scores(attack["rows"], "hang_once") == FULL
    assert f"killed after {DEADLINE} s" in _notes(records["hang_once"])


def test_students_in_flight_score_as_in_a_clean_run(attack, clean):
    for student in NORMAL:
        assert scores(attack["rows"], student) == scores(clean, student), student
        assert not attack["records"][student]["error"]


def test_no_kernel_outlives_a_killed_worker(attack):
    assert attack["leaked"] == set()


# --------------------------------------------------------------------------
# What the terminal and the report show


def test_the_summary_is_terminal_safe(attack):
    out = attack["proc"].stdout
    assert "pipe_beside" in out and "evil" in out
    assert not any(ch in out for ch in "\x1b\x07\x9b"), repr(out[:2000])


def test_the_isolation_is_announced_and_reported(attack):
    first = attack["proc"].stderr.splitlines()[0]
    assert first.startswith("kernel isolation: "), attack["proc"].stderr[:500]
    line = first.removeprefix("kernel isolation: ")
    assert {r["isolation"] for r in attack["records"].values()} == {line}


# --------------------------------------------------------------------------
# The pieces, without grading


def test_read_folder_reads_only_regular_files_and_never_blocks(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "ok.txt").write_text("fine")
    (folder / "big.bin").write_bytes(b"x" * 5000)
    (folder / "deep").mkdir()
    (folder / "deep" / "inner.txt").write_text("inner")
    os.mkfifo(folder / "fifo")
    os.symlink("/etc/passwd", folder / "link")
    os.symlink("/nonexistent", folder / "dangling")
    os.symlink(tmp_path, folder / "dirlink")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock"))
    expected = {"fifo", "link", "dangling", "dirlink", "sock", "big.bin"}
    try:
        os.mknod(folder / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        expected.add("null")
    except PermissionError:
        pass
    box = {}
    reader = threading.Thread(
        target=lambda: box.update(found=_parallel.read_folder(folder, max_file_bytes=1000)),
        daemon=True,
    )
    reader.start()
    reader.join(10)
    assert "found" in box, "reading the folder blocked"
    found = box["found"]
    assert found.files == {"ok.txt": b"fine", "deep/inner.txt": b"inner"}
    assert set(found.skipped) == expected
    assert found.skipped["fifo"] == "a named pipe"
    assert found.skipped["dirlink"] == "a symbolic link to a folder"
    assert found.oversize == {"big.bin": 5000}
    server.close()


def test_an_oversized_notebook_is_refused_with_the_size_limit():
    found = _parallel.Folder({}, {NB: "too big"}, {NB: 120_000_000})
    reason = _parallel._problem(found, [ASSIGNMENT], 100000)
    assert reason == (
        f"{NB} is 120.0 MB, over the course's limit of 100 MB "
        "(c.CourseDirectory.max_file_size = 100000 KB): not graded"
    )


def test_workers_get_no_gradebook_password_and_the_sandbox_requirement(attack):
    grader = _parallel.Grader(
        attack["course"],
        db_url="postgresql+psycopg2://grader:s3cret-pw@127.0.0.1:9/course",
        require_sandbox=True,
    )
    course = grader.course(ASSIGNMENT)
    task = _parallel.Task(course, "someone", {NB: b"{}"})
    assert b"s3cret-pw" not in pickle.dumps(task)
    assert course.config.SafeExecute.require_sandbox is True


def test_the_worker_deadline_is_the_notebook_limit_plus_a_margin(tmp_path):
    config = (ROOT / "nbgrader_config.py").read_text() + TEST_CONFIG
    (tmp_path / "nbgrader_config.py").write_text(config + "c.SafeExecute.notebook_timeout = 100\n")
    grader = _parallel.Grader(tmp_path)
    assert grader.worker_deadline == 100 + _parallel.DEADLINE_MARGIN


def test_require_sandbox_stops_at_once_when_the_sandbox_cannot_be_had(attack):
    course = attack["course"]
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "autograde", ASSIGNMENT, "--course", str(course)]
        + ["--no-progress", "--require-sandbox", "--student", "nobody-at-all"],
        capture_output=True,
        text=True,
        timeout=300,
        env=grading_env(),
    )
    _, available = _parallel.isolation()
    if available:
        assert proc.returncode == 0, proc.stderr
        assert "nothing to grade" in proc.stdout
    else:
        assert proc.returncode != 0
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "--require-sandbox" in lines[0], proc.stderr


def test_summary_and_errors_drop_terminal_control():
    assert "\x1b" not in _parallel.safe_text("a\x1b[2Jb\x1b]0;title\x07c\x9b31m\u202ed")
    assert _parallel._local_safe_terminal_text("a\x1b[2Jb\x07") == "a\\x1b[2Jb\\x07"


# --------------------------------------------------------------------------
# python -m autograder grade


def _grade(path: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(path), "--assignment", ASSIGNMENT]
        + ["--json"],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=grading_env(),
        cwd=ROOT,
    )


def test_grade_refuses_a_link_and_a_pipe_without_blocking(attack, tmp_path):
    link = tmp_path / NB
    os.symlink(ROOT / "source" / ASSIGNMENT / NB, link)
    fifo = tmp_path / "pipe.ipynb"
    os.mkfifo(fifo)
    for path, why in ((link, "symbolic link"), (fifo, "named pipe")):
        proc = _grade(path, timeout=60)
        assert proc.returncode == 2 and proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and why in lines[0], proc.stderr


def test_grade_does_not_write_through_a_link_its_kernel_planted(attack, tmp_path):
    release_nb = read_notebook(attack["course"] / "release" / ASSIGNMENT / NB)
    path = tmp_path / NB
    nbformat.write(_planter(release_nb, attack["sentinels"]["grade"]), path)
    proc = _grade(path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert any(line.startswith("kernel isolation: ") for line in proc.stderr.splitlines())
    graded = json.loads(proc.stdout)
    assert graded["run_in_threads"]["score"] == 6.0
    assert _sha(attack["sentinels"]["grade"]) == attack["hashes"]["grade"]


# --------------------------------------------------------------------------
# On Dask: a lost worker is the scheduler's to retry, then the student is recorded


def _grade_on_dask(tmp_path, monkeypatch, students: dict, deadline: float = DEADLINE) -> tuple:
    """Grade `right` and the `students` (hook specs) on a two-worker LocalCluster."""
    pytest.importorskip("distributed")
    import dask
    from distributed import LocalCluster

    course = make_course(tmp_path / "course")
    release_nb = read_notebook(course / "release" / ASSIGNMENT / NB)
    right = sample_submission(ASSIGNMENT, release_nb, "right")
    for student in ("right", *students):
        submit(course, ASSIGNMENT, student, right)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    hook = {"dir": str(hooks), "deadline": deadline, "students": students}
    # The worker processes inherit the hook; the scheduler gives up after a second loss,
    # and sends a worker one task at a time (a death counts against every task it holds).
    monkeypatch.setenv(_parallel.TEST_HOOK_ENV, json.dumps(hook))
    settings = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with (
        dask.config.set(settings),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "autograder", "autograde", ASSIGNMENT, "--course", str(course)]
            + ["--scheduler", cluster.scheduler_address, "--no-progress", "--json"],
            capture_output=True,
            text=True,
            timeout=600,
            env=grading_env(),
            cwd=course,
        )
    assert proc.returncode == 1, proc.stderr[-3000:]
    records = {r["student"]: r for r in json.loads(proc.stdout)}
    return records, gradebook(sqlite_url(course))


def test_dask_retries_a_lost_worker_then_records_it(tmp_path, monkeypatch):
    records, rows = _grade_on_dask(
        tmp_path,
        monkeypatch,
        {
            "lost_once": {"action": "kill", "times": 1},
            "lost_twice": {"action": "kill", "times": 2},
        },
    )
    assert scores(rows, "right") == FULL, records["right"]
    assert scores(rows, "lost_once") == FULL, json.dumps(records["lost_once"])
    assert records["lost_twice"]["error"].startswith(
        "the Dask worker grading this submission was lost"
    ), records["lost_twice"]
    assert scores(rows, "lost_twice") == {"run_in_threads": 0.0, "heartbeat": 0.0}


def test_dask_gives_up_a_hung_submission_and_records_it(tmp_path, monkeypatch):
    """Dask cannot stop a running task: the grader stops waiting for it after twice the limit."""
    hung = {"hangs": {"action": "hang", "times": 1}}
    records, rows = _grade_on_dask(tmp_path, monkeypatch, hung, deadline=30)
    assert scores(rows, "right") == FULL, records["right"]
    assert records["hangs"]["error"] == ("no result from the Dask cluster within 60 s"), records[
        "hangs"
    ]
    assert scores(rows, "hangs") == {"run_in_threads": 0.0, "heartbeat": 0.0}
