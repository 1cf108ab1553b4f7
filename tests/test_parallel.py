"""`python -m autograder autograde`: parallel grading that nbgrader cannot tell from its own.

The checks here grade the same submissions twice, once with plain serial
`nbgrader autograde` and once with the parallel command, and compare the
gradebooks cell by cell. They also check that parallel writers lose no row,
that feedback and export work afterwards, and the pieces underneath: the
watchdog, the sandbox and the grade guard.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from autograder.course import demo_roles, nbgrader, new_course, read_notebook, sample_submission
from autograder.limits import Limits, Watchdog, landlock_abi

ASSIGNMENT = "01_threads"
TEST_CONFIG = """
# tests: short timeouts and small limits
c.Execute.timeout = 20
c.SafeExecute.memory_limit = "1G"
c.SafeExecute.address_space_limit = "4G"
c.SafeExecute.task_limit = 100
c.SafeExecute.cpu_limit = 60
"""


# --------------------------------------------------------------------------
# Helpers shared with test_hostile, test_dask and test_postgres


def make_course(root: Path, assignments=(ASSIGNMENT,), extra_config: str = TEST_CONFIG) -> Path:
    """Make a course directory with the repository's config and masters, and release them."""
    return new_course(root, list(assignments), extra_config, generate=True)


def submit(course: Path, assignment: str, student: str, nb) -> None:
    dest = course / "submitted" / student / assignment
    dest.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest / f"{assignment}.ipynb")


def add_samples(course: Path, assignment: str = ASSIGNMENT, roles=None) -> list[str]:
    """Submit the sample students (right, blank and the demo roles); return their ids."""
    release_nb = read_notebook(course / "release" / assignment / f"{assignment}.ipynb")
    roles = roles or ["right", "blank", *demo_roles(assignment)]
    students = []
    for role in roles:
        student = f"{role}_{assignment}" if assignment != ASSIGNMENT else role
        submit(course, assignment, student, sample_submission(assignment, release_nb, role))
        students.append(student)
    return students


#: Every grading command a test starts carries this in its environment, and so
#: do the kernels it starts: a leftover process is found by it, and kernels of
#: other programs running on the machine at the same time are not mistaken for ours.
RUN_MARKER = f"AUTOGRADER_TEST_RUN={os.getpid()}-{time.time_ns()}"


def grading_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    name, value = RUN_MARKER.split("=", 1)
    env[name] = value
    return env


def run_autograde(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = grading_env()
    return subprocess.run(
        [sys.executable, "-m", "autograder", "autograde", *args, "--course", str(course)]
        + ["--no-progress", "--json"],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=course,
    )


def gradebook(db_url: str) -> dict:
    """Every grade and comment in a gradebook, keyed by (assignment, student, cell)."""
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                rows[(assignment.name, sub.student.id, "@timestamp")] = sub.timestamp
                for nb in sub.notebooks:
                    for g in nb.grades:
                        rows[(assignment.name, sub.student.id, g.name)] = (
                            g.auto_score,
                            g.manual_score,
                            g.needs_manual_grade,
                        )
                    for cm in nb.comments:
                        rows[(assignment.name, sub.student.id, "comment:" + cm.name)] = (
                            cm.auto_comment
                        )
    return rows


def sqlite_url(course: Path) -> str:
    return f"sqlite:///{course / 'gradebook.db'}"


#: The exercises of 01_threads that these tests (and the attack corpus) are about: the
#: sample and hostile submissions name their answers; any other exercise gets the
#: reference answer, so it says nothing about the grader.
STUDIED = ("run_in_threads", "heartbeat")


def scores(rows: dict, student: str, assignment: str = ASSIGNMENT) -> dict[str, float]:
    """Auto scores of one student's test cells, by exercise name (01: the studied ones)."""
    out = {
        key[2].removesuffix("_tests"): value[0]
        for key, value in rows.items()
        if key[0] == assignment
        and key[1] == student
        and key[2].endswith("_tests")
        and not key[2].startswith("comment:")
    }
    if assignment == "01_threads":
        out = {k: v for k, v in out.items() if k in STUDIED}
    return out


def leaked_kernel_processes() -> list[str]:
    """Processes of a grading kernel started by these tests that are still alive."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as fh:
                env = fh.read()
            marked = b"AUTOGRADER_KERNEL_TOKEN=" in env and RUN_MARKER.encode() in env
            if marked:
                with open(f"/proc/{name}/cmdline", "rb") as fh:
                    command = fh.read().replace(b"\0", b" ").decode(errors="replace")
                out.append(f"{name}: {command[:120]}")
        except OSError:
            continue
    return out


def kernel_processes_now() -> set[str]:
    return set(leaked_kernel_processes())


# --------------------------------------------------------------------------
# Serial nbgrader and the parallel command agree, cell for cell


@pytest.fixture(scope="module")
def twin_courses(tmp_path_factory):
    """The same submissions graded serially by nbgrader and in parallel by the command."""
    base = tmp_path_factory.mktemp("twins")
    serial = make_course(base / "serial")
    students = add_samples(serial)
    # A few of the hostile corpus too: a dying kernel, a fake pass, a deleted
    # test cell and an unreadable file must come out the same either way.
    sys.path.insert(0, str(ROOT / "corpus"))
    import build as corpus

    corpus.build(serial, ASSIGNMENT, ["os_exit", "fake_check", "deleted_test_cell", "invalid_json"])
    (serial / "submitted" / "right" / ASSIGNMENT / "timestamp.txt").write_text(
        "2026-01-15 10:00:00.000000 UTC\n"
    )
    parallel = base / "parallel"
    shutil.copytree(serial, parallel)
    before = kernel_processes_now()
    # The two runs grade separate copies, so they run at the same time: each mostly waits
    # on its tests' events and deadlines (three kernels at once; test_attacks runs more).
    # (Its output goes to a file: a pipe nobody reads until the end would stall it.)
    start = time.monotonic()
    with open(base / "serial.log", "w+b") as log:
        serial_run = subprocess.Popen(
            [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force"],
            cwd=serial,
            env=grading_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            proc = run_autograde(parallel, ASSIGNMENT, "--jobs", "2")
            parallel_seconds = time.monotonic() - start
            serial_run.wait(timeout=900)
        finally:
            if serial_run.poll() is None:
                serial_run.kill()
                serial_run.wait()
        serial_seconds = time.monotonic() - start
        if serial_run.returncode != 0:
            log.seek(0)
            raise subprocess.CalledProcessError(serial_run.returncode, serial_run.args, log.read())
    print(f"serial nbgrader {serial_seconds:.0f} s, parallel (2 jobs) {parallel_seconds:.0f} s")
    return {
        "serial": serial,
        "parallel": parallel,
        "proc": proc,
        "students": students + ["os_exit", "fake_check", "deleted_test_cell", "invalid_json"],
        "before": before,
    }


def test_parallel_command_succeeds(twin_courses):
    proc = twin_courses["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = json.loads(proc.stdout)
    assert sorted(r["student"] for r in records) == sorted(twin_courses["students"])
    assert not [r for r in records if r["error"]]


def test_gradebooks_are_identical_cell_for_cell(twin_courses):
    serial = gradebook(sqlite_url(twin_courses["serial"]))
    parallel = gradebook(sqlite_url(twin_courses["parallel"]))
    assert serial, "the serial run recorded nothing"
    assert set(serial) == set(parallel)
    differences = {k: (serial[k], parallel[k]) for k in serial if serial[k] != parallel[k]}
    assert not differences


def test_scores_tell_the_samples_apart(twin_courses):
    rows = gradebook(sqlite_url(twin_courses["parallel"]))
    assert scores(rows, "right") == {"run_in_threads": 6.0, "heartbeat": 6.0}
    assert scores(rows, "blank") == {"run_in_threads": 0.0, "heartbeat": 0.0}
    assert scores(rows, "os_exit") == {"run_in_threads": 6.0, "heartbeat": 0.0}
    assert scores(rows, "fake_check")["run_in_threads"] == 0.0
    assert scores(rows, "deleted_test_cell") == {"run_in_threads": 6.0, "heartbeat": 6.0}
    assert scores(rows, "invalid_json") == {"run_in_threads": 0.0, "heartbeat": 0.0}


def test_feedback_and_export_work_after_parallel_grading(twin_courses):
    course = twin_courses["parallel"]
    nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=course)
    nbgrader("export", cwd=course)
    html = (course / "feedback" / "os_exit" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "kernel died in cell" in html
    grades = (course / "grades.csv").read_text()
    for student in twin_courses["students"]:
        assert student in grades


def test_no_kernel_process_outlives_the_runs(twin_courses):
    assert kernel_processes_now() - twin_courses["before"] == set()


def test_the_sqlite_gradebook_is_intact(twin_courses):
    db = twin_courses["parallel"] / "gradebook.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --------------------------------------------------------------------------
# Many writers: nothing lost


def test_concurrent_commands_lose_no_row(tmp_path):
    """Two grading commands on one course at once, 4 workers each: every row is there."""
    course = make_course(tmp_path / "course")
    release_nb = read_notebook(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    right = sample_submission(ASSIGNMENT, release_nb, "right")
    blank = release_nb
    students = [f"s{i:02d}" for i in range(8)]
    for i, student in enumerate(students):
        submit(course, ASSIGNMENT, student, right if i % 2 else blank)
    env = grading_env()
    commands = []
    for half in (students[:4], students[4:]):
        picks = [arg for s in half for arg in ("--student", s)]
        commands.append(
            subprocess.Popen(
                [sys.executable, "-m", "autograder", "autograde", ASSIGNMENT]
                + ["--course", str(course), "--jobs", "2", "--no-progress", *picks],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    for proc in commands:
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, out[-3000:] + err[-3000:]
    rows = gradebook(sqlite_url(course))
    for i, student in enumerate(students):
        expected = 6.0 if i % 2 else 0.0
        assert scores(rows, student) == {"run_in_threads": expected, "heartbeat": expected}
    with sqlite3.connect(course / "gradebook.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_unknown_assignment_is_a_one_line_error(tmp_path):
    course = make_course(tmp_path / "course")
    proc = run_autograde(course, "99_nothing")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not in the gradebook" in lines[0], proc.stderr


# --------------------------------------------------------------------------
# The pieces underneath


def _spawn(code: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], start_new_session=True, **kwargs
    )


def _watch(proc, limits: Limits, seconds: float = 60) -> Watchdog:
    dog = Watchdog(proc.pid, limits).start()
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    dog.stop()
    return dog


def test_watchdog_stops_a_cpu_hog():
    proc = _spawn("while True: pass")
    dog = _watch(proc, Limits(cpu_seconds=1, memory=None, tasks=None))
    assert proc.wait(5) == -signal.SIGKILL
    assert "CPU time" in dog.reason


def test_watchdog_stops_a_memory_hog():
    proc = _spawn("x = []\nwhile True: x.append(b'y' * (64 << 20))")
    dog = _watch(proc, Limits(memory=300 << 20, tasks=None, cpu_seconds=None))
    assert proc.wait(5) == -signal.SIGKILL
    assert "memory" in dog.reason


def test_watchdog_counts_threads_and_processes_of_the_whole_tree():
    code = """
        import os, threading, time
        for _ in range(3):
            if os.fork() == 0:
                for _ in range(40):
                    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
                time.sleep(60)
        time.sleep(60)
    """
    proc = _spawn(code)
    dog = _watch(proc, Limits(tasks=50, memory=None, cpu_seconds=None))
    assert proc.wait(5) == -signal.SIGKILL
    assert "threads and processes" in dog.reason


def test_sweep_kills_a_process_that_escaped_into_its_own_session(tmp_path):
    marker = tmp_path / "pid"
    code = f"""
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                open({str(marker)!r}, "w").write(str(os.getpid()))
                time.sleep(120)
            os._exit(0)
        time.sleep(1.5)
    """
    token = f"test-{os.getpid()}-{time.monotonic_ns()}"
    proc = _spawn(code, env=dict(os.environ, AUTOGRADER_KERNEL_TOKEN=token))
    dog = Watchdog(proc.pid, Limits(tasks=None, memory=None, cpu_seconds=None), token).start()
    proc.wait(30)
    escaped = int(marker.read_text())
    os.kill(escaped, 0)  # it is alive, in a session of its own
    dog.stop()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(escaped, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the escaped grandchild survived the sweep")


def test_sandbox_confines_writes(tmp_path):
    if landlock_abi() < 1:
        pytest.skip("this Linux kernel offers no Landlock: the write sandbox is inactive here")
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    outside = tmp_path / "outside.txt"
    code = f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from autograder.limits import restrict_writes
        restrict_writes([{str(allowed)!r}])
        open({str(allowed / "ok.txt")!r}, "w").write("fine")
        try:
            open({str(outside)!r}, "w").write("escaped")
        except PermissionError:
            print("denied")
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True
    )
    assert out.stdout.strip() == "denied", out.stderr
    assert (allowed / "ok.txt").read_text() == "fine"
    assert not outside.exists()


GUARD_SCRIPT = """
import sys, tempfile
sys.path.insert(0, {root!r})
import autograder
from autograder import _guard
from autograder.course import solution_answers
from autograder.course import master_path, namespace_from, read_notebook

key = _guard.new_key()
_guard.arm(_guard.write_key(key, tempfile.mkdtemp()))
ns = namespace_from(read_notebook(master_path("01_threads")), workdir=tempfile.mkdtemp())
for round in range(2):
    for exercise in ("run_in_threads", "heartbeat"):
        score = autograder.check("01_threads", exercise, 6, ns)
        print("score", exercise, score)
print("=== tampering ===")
{tamper}
print("final score", autograder.check("01_threads", "run_in_threads", 6, ns))
print("key", key.hex())
"""


def _guarded(tamper: str = "") -> tuple[str, bytes]:
    code = GUARD_SCRIPT.format(root=str(ROOT), tamper=tamper)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-3000:]
    key = bytes.fromhex(out.stdout.strip().splitlines()[-1].split()[-1])
    return out.stdout, key


def test_guard_signs_honest_scores_and_sees_no_tampering():
    from autograder import _guard

    text, key = _guarded()
    assert "changed the grading machinery" not in text
    macs = _guard.signatures(text)
    assert len(macs) == 5
    assert " tampered]" not in text
    assert _guard.verify(key, "01_threads", "run_in_threads", 6, 6.0, macs)
    assert not _guard.verify(key, "01_threads", "run_in_threads", 6, 5.0, macs)
    assert "final score 6.0" in text


@pytest.mark.parametrize(
    "tamper",
    [
        "import builtins; builtins.min = max",
        "import _pytest.runner; _pytest.runner.call_and_report = lambda *a, **k: None",
        "import _pytest.reports; _pytest.reports.TestReport.passed = property(lambda s: True)",
        "import sys; sys.meta_path.insert(0, object())",
        "autograder._harness.run_suite = lambda *a, **k: None",
    ],
    ids=["builtins", "pytest-function", "pytest-class", "import-system", "harness"],
)
def test_guard_refuses_to_sign_after_tampering(tamper):
    from autograder import _guard

    text, key = _guarded(tamper)
    before, tail = text.split("=== tampering ===")
    assert "changed the grading machinery" not in before
    assert "changed the grading machinery" in tail
    assert "final score 0.0" in tail
    # The seal signs what it computed, which after tampering is 0, and nothing else,
    # and it flags the verdict as tampered, in the signed part.
    found = _guard.verified(key, "01_threads", "run_in_threads", 6, tail)
    assert found == [(0.0, True)], found
    forged = tail.replace(" tampered]", "]")
    assert _guard.verified(key, "01_threads", "run_in_threads", 6, forged) == []


def _unprivileged_python() -> tuple[list[str], str] | None:
    """Return (prefix, python) that runs Python as an unprivileged user, or None."""
    if os.getuid() != 0:
        return [], sys.executable
    if not shutil.which("runuser"):
        return None
    for python in (sys.executable, "/usr/bin/python3"):
        probe = subprocess.run(
            ["runuser", "-u", "nobody", "--", python, "-c", "pass"], capture_output=True
        )
        if probe.returncode == 0:
            return ["runuser", "-u", "nobody", "--"], python
    return None


def test_launcher_applies_limits_as_an_unprivileged_user():
    """The limits need no root: rlimits, RLIMIT_NPROC and the sandbox hold for `nobody`."""
    found = _unprivileged_python()
    if found is None:
        pytest.skip("no Python that an unprivileged user may run here")
    prefix, python = found
    launcher = ROOT / "autograder" / "limits.py"
    # Not below pytest's tmp_path: that is private to the user running the tests.
    work = Path(tempfile.mkdtemp(prefix="autograder-unprivileged-"))
    if os.getuid() == 0:
        os.chown(work, 65534, 65534)
    probe = subprocess.run(prefix + [python, str(launcher), "--help"], capture_output=True)
    if b"usage" not in probe.stderr + probe.stdout:
        pytest.skip(f"an unprivileged user cannot read {launcher}")
    limits = Limits(memory=None, address_space=1 << 32, tasks=40, cpu_seconds=5, file_size=1 << 20)
    code = f"""
        import os, resource, threading, time
        print("root" if os.getuid() == 0 else "unprivileged")
        print("sandbox", os.environ.get("AUTOGRADER_SANDBOX"))
        try:
            open({str(work / "big")!r}, "wb").write(b"x" * (2 << 20))
        except OSError as exc:
            print("big file:", exc.strerror)
        started = 0
        try:
            for _ in range(5000):
                threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
                started += 1
        except RuntimeError:
            pass
        print("threads", started)
    """
    try:
        out = subprocess.run(
            prefix
            + [python, str(launcher), limits.to_json(), json.dumps([str(work)]), "--", python]
            + ["-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "unprivileged", out.stderr
    assert "big file: File too large" in lines
    threads = int(lines[-1].split()[-1])
    # RLIMIT_NPROC is the user's threads when the kernel started plus 2 x tasks.
    assert threads < 5000, "RLIMIT_NPROC did not stop the thread bomb"
    if landlock_abi() >= 1:
        assert lines[1].startswith("sandbox landlock-")
