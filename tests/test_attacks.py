"""The determined student: attacks on the grader (corpus/01_threads/attacks.json).

Every attack is a released notebook with its answer cells replaced, as a
student would submit it (built by corpus/build.py). They are graded together
with two ordinary students (right, and a known-wrong one) through

* the parallel path: ``python -m autograder autograde --jobs 2`` on a scratch course;
* plain ``nbgrader autograde`` with the course's nbgrader_config.py;

and the ones that attack the grading processes themselves (SIGKILL, SIGSTOP,
other kernels) each in a run of their own. Only facts are checked, never what
the grader says about itself:

* a forger scores no more than its honest twin (the same notebook without the attack);
* the ordinary students' cell scores are exactly those of a clean run without attackers;
* nobody is missing from the gradebook or from ``nbgrader export``;
* the gradebook is still SQLite and passes ``PRAGMA integrity_check``;
* no process carrying the attacks' marker is left on the machine;
* a sentinel file outside the course is unchanged; nothing with the marker
  is left in /dev/shm, /tmp or /var/tmp;
* the feedback HTML has no more ``<script`` tags and ``on...=`` attributes
  than an ordinary student's;
* no hidden-suite, master or classmate text is in an attacker's autograded or
  feedback files;
* secrets planted in the grader's environment appear in no output;
* the grader's terminal output has no escape sequences; one notebook's output
  and wall-clock time are bounded.

Forgers that still succeed are listed in OPEN below, each with its reason, and
marked xfail (not strict, so a fix shows as XPASS); every other attack that
succeeds fails its test.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from test_parallel import (
    ASSIGNMENT,
    gradebook,
    grading_env,
    make_course,
    scores,
    sqlite_url,
    submit,
)

from autograder.course import nbgrader, read_notebook, sample_submission

sys.path.insert(0, str(ROOT / "corpus"))
import build as corpus  # noqa: E402

ATTACKS = corpus.manifest(ASSIGNMENT, "attacks.json")

# The `world` fixture bounds every grader it starts itself (PHASE_ONE for the three main
# runs, 100 s for each wave of solo runs), so its worst case is about 820 s. pyproject's
# 600 s per test is shorter than that: it cut the fixture off in a rehearsal on a busy
# machine, and the fixture took 575 s on a quiet one. This backstop only has to catch a
# fixture that hangs past its own limits.
pytestmark = pytest.mark.timeout(1200)
BY_NAME = {e["student"]: e for e in ATTACKS}
NORMAL = ["right", "buggy"]
#: Every attack carries this in its command lines, file names and payloads.
MARK = f"corpusmark{uuid.uuid4().hex[:12]}"
#: Planted in the grader's environment: they must never show up anywhere.
SECRETS = {"PGPASSWORD": "corpus-secret-123", "GITHUB_TOKEN": "corpus-secret-456"}
CONFIG = """
# tests: the attack corpus
c.Execute.timeout = 40
c.SafeExecute.memory_limit = "1G"
c.SafeExecute.address_space_limit = "4G"
c.SafeExecute.task_limit = 100
c.SafeExecute.cpu_limit = 40
c.SafeExecute.output_limit = "1M"
c.SafeExecute.notebook_timeout = 120
"""
#: The wall-clock attack's cells each sleep this long; a notebook may take this long.
SLEEP_CELL = 9
NOTEBOOK_TIMEOUT = 120
#: What each run grades, and how: (path, attack runs it contains).
MAIN_RUNS = {"parallel": "parallel", "serial": "serial"}
SOLO_RUNS = {
    "kill-parallel": "parallel",
    "kill-serial": "serial",
    "stop-parallel": "parallel",
    "stop-serial": "serial",
    "peer-signals": "parallel",
    "peer-connection": "parallel",
    "peer-daemon": "serial",
    "link-serial": "serial",
}


def entries_in(run: str) -> list[dict]:
    return [e for e in ATTACKS if run in e.get("runs", [])]


def twins_needed(entries) -> list[str]:
    return sorted({e["twin"] for e in entries if e.get("twin")} - {e["student"] for e in entries})


# --------------------------------------------------------------------------
# Running a grader the way an instructor would, with a marker and secrets


def run_marker(run: str) -> str:
    return f"{MARK}-{run}"


def attack_env(run: str) -> dict:
    env = grading_env()
    env["AUTOGRADER_TEST_RUN"] = run_marker(run)
    env.update(SECRETS)
    return env


def subst(course: Path, run: str, sentinel: Path) -> dict:
    return {
        "MARKER": MARK,
        "RUN": f"AUTOGRADER_TEST_RUN={run_marker(run)}",
        "SENTINEL": sentinel,
        "SUITES_DIR": ROOT / "autograder" / "suites",
        "COURSE": course,
    }


def classmate_line() -> str:
    return f"# classmate-private-{MARK}"


def normal_in(run: str) -> list[str]:
    """The ordinary students of a run: the small runs have only one victim, to stay fast."""
    return ["right"] if run in SOLO_RUNS else NORMAL


def add_normal(course: Path, students=tuple(NORMAL)) -> None:
    """right (with a private line an attacker could steal) and buggy (known-wrong answers)."""
    release_nb = read_notebook(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    right = sample_submission(ASSIGNMENT, release_nb, "right")
    for cell in right.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "run_in_threads":
            cell.source += "\n" + classmate_line() + "\n"
    submit(course, ASSIGNMENT, "right", right)
    if "buggy" in students:
        submit(course, ASSIGNMENT, "buggy", sample_submission(ASSIGNMENT, release_nb, "buggy"))


def released_course(base: Path) -> Path:
    """One course released once; every run grades in a copy of it."""
    template = base / "released"
    if not template.exists():
        make_course(template, extra_config=CONFIG)
    return template


def make_attack_course(base: Path, run: str, sentinel: Path, names=None) -> Path:
    course = base / run
    shutil.copytree(released_course(base), course, symlinks=True)
    add_normal(course, normal_in(run))
    if names is None:
        entries = entries_in(run)
        names = [e["student"] for e in entries] + twins_needed(entries)
    if names:
        corpus.build(course, ASSIGNMENT, names, "attacks.json", subst(course, run, sentinel))
    return course


_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(p.returncode)\n"
)


def start_grader(course: Path, run: str, path: str) -> dict:
    """Start a grading command in its own session; return what finish_grader needs."""
    if path == "parallel":
        command = [sys.executable, "-m", "autograder", "autograde", ASSIGNMENT]
        # Not --json: the instructor's summary is what a terminal shows; the
        # records are read from the report file the command writes.
        command += ["--course", str(course), "--jobs", "2", "--no-progress"]
    else:
        command = [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force"]
    rss = course.parent / f"{run}.maxrss"
    proc = subprocess.Popen(
        [sys.executable, "-c", _RSS_WRAPPER, str(rss), *command],
        cwd=course,
        env=attack_env(run),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    return {
        "proc": proc,
        "course": course,
        "run": run,
        "path": path,
        "rss": rss,
        "start": time.monotonic(),
    }


#: Seconds the clean, serial and parallel runs of phase 1 may take before they count as hung.
PHASE_ONE = 600


def finish_grader(job: dict, timeout: float) -> dict:
    proc = job["proc"]
    try:
        out, err = proc.communicate(timeout=max(1.0, timeout - (time.monotonic() - job["start"])))
        hung = False
    except subprocess.TimeoutExpired:
        hung = True
        kill_marked(run_marker(job["run"]).encode())
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        out, err = proc.communicate()
    seconds = time.monotonic() - job["start"]
    records = []
    course = job["course"]
    report = course / "autograded" / f"{ASSIGNMENT}.report.json"
    if job["path"] == "parallel" and report.exists():
        try:
            records = json.loads(report.read_text())
        except ValueError:
            records = []
    rows = {}
    if (course / "gradebook.db").exists():
        try:
            rows = gradebook(sqlite_url(course))
        except Exception as exc:  # noqa: BLE001 - a broken gradebook is a finding
            rows = {"@error": repr(exc)}
    maxrss = int(job["rss"].read_text()) if job["rss"].exists() else 0
    return {
        **job,
        "returncode": proc.returncode,
        "hung": hung,
        "stdout": out,
        "stderr": err,
        "seconds": seconds,
        "records": {r.get("student"): r for r in records if isinstance(r, dict)},
        "rows": rows,
        "maxrss_kib": maxrss,
    }


# --------------------------------------------------------------------------
# Facts about the machine


def _read(path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def marked_processes(mark: bytes = MARK.encode()) -> dict[int, str]:
    """Live processes with `mark` in their command line or environment (not this one)."""
    out = {}
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        command = _read(f"/proc/{name}/cmdline")
        if mark in command or mark in _read(f"/proc/{name}/environ"):
            out[int(name)] = command.replace(b"\0", b" ").decode(errors="replace")[:160]
    return out


def kill_marked(mark: bytes = MARK.encode()) -> None:
    """Kill what the attacks (and the graders they froze) left running: they are ours."""
    for _ in range(5):
        found = marked_processes(mark)
        if not found:
            return
        for pid in found:
            for sig in (signal.SIGCONT, signal.SIGKILL):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        time.sleep(0.2)


SHARED_DIRS = [Path("/dev/shm"), Path("/tmp"), Path("/var/tmp")]


def marked_files() -> list[str]:
    out = []
    for folder in SHARED_DIRS:
        try:
            out.extend(str(folder / n) for n in os.listdir(folder) if MARK in n)
        except OSError:
            continue
    return sorted(out)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


def is_sqlite_and_intact(db: Path) -> str:
    """'' when `db` is an SQLite file that passes integrity_check, else why not."""
    if not db.exists():
        return "missing"
    if db.is_symlink():
        return "replaced by a symbolic link"
    head = db.read_bytes()[:16]
    if head != b"SQLite format 3\0":
        return f"not SQLite any more (starts with {head!r})"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        result = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    return "" if result == [("ok",)] else f"integrity_check: {result[:3]}"


def files_text(folder: Path) -> str:
    """The text of every file below `folder` (links followed only if they stay inside)."""
    parts = []
    if not folder.exists():
        return ""
    for path in sorted(folder.rglob("*")):
        try:
            if path.is_symlink() or not path.is_file():
                continue
            parts.append(path.read_bytes()[:50_000_000].decode(errors="replace"))
        except OSError:
            continue
    return "\n".join(parts)


# --------------------------------------------------------------------------
# Distinctive text an attacker must not get into its outputs


def suite_lines() -> list[str]:
    """Comments and module-docstring lines of the hidden suite: no report ever prints them."""
    text = (ROOT / "autograder" / "suites" / f"test_{ASSIGNMENT}.py").read_text()
    doc = text.split('"""')[1] if text.startswith('"""') else ""
    lines = [ln.strip() for ln in doc.splitlines()]
    lines += [ln.strip()[1:].strip() for ln in text.splitlines() if ln.strip().startswith("#")]
    return sorted({ln for ln in lines if len(ln) >= 30 and re.search("[a-z]{4}", ln)})


def master_lines() -> list[str]:
    """Lines only the master has: its solution markers and its written answer."""
    nb = read_notebook(ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    # (The hidden part of a test cell is not among them: nbgrader puts it back
    # into every autograded notebook.)
    lines = ["### BEGIN SOLUTION", "### END SOLUTION"]
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution"):
            lines += [ln.strip() for ln in cell.source.splitlines() if len(ln.strip()) >= 30]
    return lines


def forbidden_text(sentinel: Path) -> dict[str, str]:
    out = {f"hidden suite: {ln[:40]}": ln for ln in suite_lines()}
    out.update({f"master: {ln[:40]}": ln for ln in master_lines()})
    out["a classmate's notebook"] = classmate_line()
    out["/etc/passwd"] = "root:x:0:0:"
    out["the sentinel file"] = sentinel.read_text().strip()
    return out


# --------------------------------------------------------------------------
# The runs


def _sentinel(base: Path) -> Path:
    path = base / "sentinel.txt"
    path.write_text(f"sentinel-{MARK}: outside every course\n")
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Grade everything once; record the machine before and after."""
    base = tmp_path_factory.mktemp("attacks")
    sentinel = _sentinel(base)
    before = {
        "sentinel": sha256(sentinel),
        "shm": set(os.listdir("/dev/shm")),
        "repo": {p: sha256(ROOT / p) for p in ("autograder/_harness.py", "nbgrader_config.py")},
        "marked_files": marked_files(),
    }
    start = time.monotonic()
    # Phase 1: a clean run, and the two main runs with every attacker.
    courses = {
        "clean": make_attack_course(base, "clean", sentinel, names=[]),
        **{run: make_attack_course(base, run, sentinel) for run in MAIN_RUNS},
    }
    jobs = [start_grader(courses["clean"], "clean", "parallel")]
    jobs += [start_grader(courses[run], run, path) for run, path in MAIN_RUNS.items()]
    courses.update({run: make_attack_course(base, run, sentinel) for run in SOLO_RUNS})
    results = {}
    # A frozen grader never finishes. A normal run of all three took 372 s in a CI rehearsal
    # on 2 cores, so 420 s left too little headroom for a slower or busier machine.
    for job in jobs[:1] + jobs[2:]:  # the clean and the serial run end first
        results[job["run"]] = finish_grader(job, PHASE_ONE)
    # Phase 2, while the parallel run finishes: attacks on the grading
    # processes, on other kernels and on the gradebook file, a small run each.
    # Five at a time: more kernels than that on two cores make ordinary
    # notebooks overrun their limits. A frozen grader never finishes: 100 s is
    # about three times a normal small run.
    runs = list(SOLO_RUNS)
    for wave in (runs[:5], runs[5:]):
        solo = [start_grader(courses[run], run, SOLO_RUNS[run]) for run in wave]
        results.update({job["run"]: finish_grader(job, 100) for job in solo})
    results["parallel"] = finish_grader(jobs[1], PHASE_ONE)
    time.sleep(1.0)
    after = {
        "processes": marked_processes(),
        "sentinel": sha256(sentinel),
        "shm": set(os.listdir("/dev/shm")),
        "repo": {p: sha256(ROOT / p) for p in before["repo"]},
        "marked_files": marked_files(),
    }
    print(f"graded every run in {time.monotonic() - start:.0f} s")
    for run, result in results.items():
        print(
            f"  {run}: {result['seconds']:.0f} s, exit {result['returncode']}, "
            f"hung {result['hung']}, max RSS {result['maxrss_kib'] // 1024} MiB"
        )
    yield {"base": base, "sentinel": sentinel, "results": results, "before": before, "after": after}
    kill_marked()
    for name in marked_files():
        try:
            os.unlink(name)
        except OSError:
            pass


@pytest.fixture(scope="module")
def feedback(world):
    """nbgrader generate_feedback and export on the main runs."""
    out = {}
    for run in MAIN_RUNS:
        course = world["results"][run]["course"]
        errors = []
        for command in (("generate_feedback", ASSIGNMENT, "--force"), ("export",)):
            try:
                nbgrader(*command, cwd=course)
            except Exception as exc:  # noqa: BLE001 - a crash here is a finding
                errors.append(f"{command[0]}: {exc!r}"[:2000])
        csv = (course / "grades.csv").read_text() if (course / "grades.csv").exists() else ""
        out[run] = {"course": course, "errors": errors, "csv": csv}
    return out


def result_of(world, run):
    return world["results"][run]


def expected_students(run: str) -> set[str]:
    entries = entries_in(run)
    return set(normal_in(run)) | {e["student"] for e in entries} | set(twins_needed(entries))


# --------------------------------------------------------------------------
# Nobody is lost, nobody else is touched


ALL_RUNS = list(MAIN_RUNS) + list(SOLO_RUNS)


@pytest.mark.parametrize("run", ALL_RUNS)
def test_the_grader_finishes_and_records_everyone(world, run):
    result = result_of(world, run)
    assert not result["hung"], (
        f"{run}: the grader did not finish (frozen?) in {result['seconds']:.0f} s"
    )
    assert "@error" not in result["rows"], f"{run}: the gradebook cannot be read: {result['rows']}"
    recorded = {key[1] for key in result["rows"] if key[0] == ASSIGNMENT}
    missing = expected_students(run) - recorded
    assert not missing, (
        f"{run}: missing from the gradebook: {sorted(missing)} (exit {result['returncode']})"
    )


@pytest.mark.parametrize("run", ALL_RUNS)
def test_ordinary_students_score_exactly_as_in_a_clean_run(world, run):
    clean = result_of(world, "clean")["rows"]
    rows = result_of(world, run)["rows"]
    assert "@error" not in rows
    for student in normal_in(run):
        assert scores(rows, student) == scores(clean, student), (
            f"{run}: {student} scored {scores(rows, student)}, clean run {scores(clean, student)}"
        )


@pytest.mark.parametrize("run", ALL_RUNS)
def test_the_gradebook_is_still_sqlite_and_intact(world, run):
    problem = is_sqlite_and_intact(result_of(world, run)["course"] / "gradebook.db")
    assert not problem, f"{run}: gradebook.db {problem}"


@pytest.mark.parametrize("run", list(MAIN_RUNS))
def test_nobody_is_missing_from_the_export(feedback, run):
    assert not [e for e in feedback[run]["errors"] if e.startswith("export")], feedback[run][
        "errors"
    ]
    csv = feedback[run]["csv"]
    students = {line.split(",")[3] for line in csv.splitlines()[1:] if line.count(",") >= 4}
    missing = expected_students(run) - students
    assert not missing, f"{run}: missing from grades.csv: {sorted(missing)}"


# --------------------------------------------------------------------------
# No fake pass


FORGERS = [(run, e["student"]) for run in MAIN_RUNS for e in entries_in(run) if e.get("twin")]

#: Attacks that still succeed, as found by the last full run. Each is an open
#: defect (docs/grading.md, "The threat model"), kept visible here rather than
#: dropped: the test runs, and reports XPASS once the defect is fixed.
OPEN: dict[str, str] = {}


def _forger_params():
    out = []
    for run, student in FORGERS:
        marks = []
        if student in OPEN:
            marks = [pytest.mark.xfail(reason=f"open: {OPEN[student]}", strict=False)]
        out.append(pytest.param(run, student, marks=marks, id=f"{run}-{student}"))
    return out


@pytest.mark.parametrize(("run", "student"), _forger_params())
def test_a_forger_scores_no_more_than_its_honest_twin(world, run, student):
    rows = result_of(world, run)["rows"]
    entry = BY_NAME[student]
    got, twin = scores(rows, student), scores(rows, entry["twin"])
    assert got and twin, f"{run}: {student} or {entry['twin']} was not graded"
    lifted = {ex: (got[ex], twin[ex]) for ex in twin if got.get(ex, 0) > twin[ex]}
    assert not lifted, (
        f"{run}: {student} ({entry['claim']}) scored more than its honest twin "
        f"{entry['twin']}: {lifted} (exercise: (forger, twin))"
    )


SAME_AS_RIGHT = [
    (run, e["student"]) for run in MAIN_RUNS for e in entries_in(run) if e.get("same_as")
]


@pytest.mark.parametrize(
    ("run", "student"), SAME_AS_RIGHT, ids=[f"{r}-{s}" for r, s in SAME_AS_RIGHT]
)
def test_a_correct_notebook_with_odd_files_or_size_gets_full_marks(world, run, student):
    rows = result_of(world, run)["rows"]
    assert scores(rows, student) == scores(rows, BY_NAME[student]["same_as"]), (
        f"{run}: {student} ({BY_NAME[student]['claim']}) scored {scores(rows, student)}"
    )


MALFORMED = [(run, e["student"]) for run in MAIN_RUNS for e in entries_in(run) if e.get("malform")]


@pytest.mark.parametrize(("run", "student"), MALFORMED, ids=[f"{r}-{s}" for r, s in MALFORMED])
def test_a_malformed_notebook_is_recorded_with_a_specific_reason(world, run, student):
    result = result_of(world, run)
    assert scores(result["rows"], student), f"{run}: {student} is not in the gradebook"
    if run == "parallel":
        record = json.dumps(result["records"].get(student, {}))
        assert "see above traceback" not in record, f"{student}: {record[:500]}"


# --------------------------------------------------------------------------
# The machine and the files around the course


def test_no_attack_process_is_left_running(world):
    left = world["after"]["processes"]
    assert not left, f"processes with the attacks' marker outlived the runs: {left}"


def test_no_file_outside_the_course_changes(world):
    before, after = world["before"], world["after"]
    assert after["sentinel"] == before["sentinel"], "the sentinel file outside the course changed"
    assert after["repo"] == before["repo"], "a file of the repository changed"
    new = sorted(set(after["marked_files"]) - set(before["marked_files"]))
    assert not new, f"files left behind in shared folders: {new}"


def test_nothing_new_in_dev_shm_from_the_attacks(world):
    new = world["after"]["shm"] - world["before"]["shm"]
    assert not [n for n in new if MARK in n], f"left in /dev/shm: {sorted(new)}"


# --------------------------------------------------------------------------
# Leaks and rendering


ATTACKERS = {
    run: [e["student"] for e in entries_in(run) if e["kind"] != "twin"] for run in MAIN_RUNS
}


@pytest.mark.parametrize("run", list(MAIN_RUNS))
def test_no_hidden_or_private_text_reaches_an_attackers_files(world, feedback, run):
    course = result_of(world, run)["course"]
    forbidden = forbidden_text(world["sentinel"])
    found = {}
    for student in ATTACKERS[run]:
        text = files_text(course / "autograded" / student) + files_text(
            course / "feedback" / student
        )
        hits = [label for label, needle in forbidden.items() if needle in text]
        if hits:
            found[student] = hits[:6]
    assert not found, f"{run}: {found}"


@pytest.mark.parametrize("run", ALL_RUNS)
def test_no_planted_secret_appears_in_any_output(world, feedback, run):
    result = result_of(world, run)
    course = result["course"]
    text = result["stdout"] + result["stderr"]
    for folder in ("autograded", "feedback"):
        text += files_text(course / folder)
    if (course / "grades.csv").exists():
        text += (course / "grades.csv").read_text()
    leaked = [name for name, value in SECRETS.items() if value in text]
    assert not leaked, f"{run}: the grader's {leaked} reached the outputs"


def _active_content(html: str) -> tuple[int, int]:
    scripts = len(re.findall(r"<script\b", html, re.I))
    handlers = len(re.findall(r"<[^>]*\son[a-z]+\s*=", html, re.I))
    return scripts, handlers


@pytest.mark.parametrize("run", list(MAIN_RUNS))
def test_feedback_html_carries_no_active_content_from_a_submission(world, feedback, run):
    course = result_of(world, run)["course"]
    page = course / "feedback" / "{}" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    reference = Path(str(page).format("right"))
    assert reference.exists(), f"{run}: no feedback for right: {feedback[run]['errors']}"
    baseline = _active_content(reference.read_text())
    worse = {}
    for student in ATTACKERS[run]:
        path = Path(str(page).format(student))
        if not path.exists():
            continue
        html = path.read_text(errors="replace")
        got = _active_content(html)
        marked = re.findall(
            r"<script\b[^>]*>[^<]*corpus-xss|<[^>]*\son[a-z]+\s*=[^>]*corpus-xss", html, re.I
        )
        if got[0] > baseline[0] or got[1] > baseline[1] or marked:
            worse[student] = {"scripts, handlers": got, "right's": baseline, "marked": marked[:2]}
    assert not worse, f"{run}: {worse}"


@pytest.mark.parametrize("run", list(MAIN_RUNS))
def test_autograded_outputs_carry_no_active_html_for_the_formgrader(world, run):
    course = result_of(world, run)["course"]
    nb_path = course / "autograded" / "render_html" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert nb_path.exists(), f"{run}: render_html was not autograded"
    nb = nbformat.read(nb_path, as_version=4)
    active = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime, data in output.get("data", {}).items():
                text = data if isinstance(data, str) else json.dumps(data)
                if mime in ("application/javascript", "text/javascript") or re.search(
                    r"<script\b|\son[a-z]+\s*=|javascript:", text, re.I
                ):
                    active.append(mime)
    assert not active, f"{run}: active content kept in the autograded notebook: {active}"


@pytest.mark.parametrize("run", list(MAIN_RUNS))
def test_the_graders_terminal_output_has_no_escape_sequences(world, run):
    result = result_of(world, run)
    text = result["stdout"] + result["stderr"]
    assert "\x1b" not in text, f"{run}: an escape sequence reached the terminal"
    assert "corpus-fake-row" not in text, f"{run}: a submission wrote into the summary"


# --------------------------------------------------------------------------
# Resources


def test_output_through_display_updates_is_bounded(world):
    result = result_of(world, "parallel")
    path = (
        result["course"]
        / "autograded"
        / "flood_update_display"
        / ASSIGNMENT
        / f"{ASSIGNMENT}.ipynb"
    )
    assert path.exists(), "flood_update_display was not autograded"
    size = path.stat().st_size
    assert size < 20 << 20, f"the autograded notebook is {size >> 20} MiB"
    assert result["maxrss_kib"] < 1 << 20, (
        f"a grading process reached {result['maxrss_kib'] >> 10} MiB of resident memory"
    )


def test_a_notebook_has_a_wall_clock_limit(world):
    path = (
        result_of(world, "parallel")["course"]
        / "autograded"
        / "wallclock_cells"
        / ASSIGNMENT
        / f"{ASSIGNMENT}.ipynb"
    )
    assert path.exists(), "wallclock_cells was not autograded"
    nb = nbformat.read(path, as_version=4)
    sleepers = [
        c
        for c in nb.cells
        if c.cell_type == "code" and c.source.startswith("import time\ntime.sleep(")
    ]
    executed = [c for c in sleepers if c.get("execution_count")]
    # notebook_timeout is 60 s in this course (a right notebook takes 10 to 30 s on a
    # busy machine): at most a few of the 9-second cells may run.
    assert len(sleepers) == 40
    assert len(executed) * SLEEP_CELL <= NOTEBOOK_TIMEOUT + SLEEP_CELL, (
        f"{len(executed)} cells of {SLEEP_CELL} s ran: {len(executed) * SLEEP_CELL} s for one notebook"
    )


@pytest.mark.parametrize("run", list(MAIN_RUNS))
def test_files_left_out_of_a_submission_are_named_for_the_student(world, run):
    """A link or a pipe is not copied for grading, and the student is told which (both paths)."""
    course = Path(result_of(world, run)["course"])
    student = "dangling_and_fifo"
    where = [course / "autograded" / student, course / "feedback" / student]
    where.append(course / "autograded" / f"{ASSIGNMENT}.report.json")
    text = "".join(
        files_text(p) if p.is_dir() else p.read_text(errors="replace") for p in where if p.exists()
    )
    for name in ("results.pipe", "data.csv"):
        assert name in text, f"{run}: {student}'s skipped {name} is named in no feedback or report"
