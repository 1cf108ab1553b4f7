"""Drive real nbgrader: release assignments, grade one notebook, run the demo course."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ._mutants import demo_roles, mutants
from ._notebook import (
    UsageError,
    assignments,
    course_root,
    exercises,
    graded_cells,
    master_path,
    nbgrader_meta,
    read_notebook,
    replace_answers,
)

SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.M)


def nbgrader(
    *args: str, cwd: Path, check: bool = True, quiet: bool = True
) -> subprocess.CompletedProcess:
    """Run the nbgrader command line of this environment in course directory `cwd`."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    env = dict(os.environ)
    # nbgrader runs `alembic` from PATH: put this environment's scripts first.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    proc = subprocess.run(cmd, cwd=cwd, capture_output=quiet, text=True, env=env)
    if check and proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-5:]
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed:\n" + "\n".join(tail))
    return proc


def release(names: list[str] | None = None, root: Path | None = None) -> list[str]:
    """Regenerate release/NN_topic from source/NN_topic with nbgrader generate_assignment."""
    root = root or course_root()
    names = names or assignments(root)
    for name in names:
        master_path(name, root)  # validates the name
        nbgrader("generate_assignment", name, "--force", cwd=root)
    return names


def new_course(
    root: Path, names: list[str], extra_config: str = "", generate: bool = False
) -> Path:
    """Make a scratch course directory holding copies of the masters and the config.

    `extra_config` is appended to the copied ``nbgrader_config.py``; with `generate`,
    each assignment is released there (``nbgrader generate_assignment``). Returns `root`.
    """
    src = course_root()
    root.mkdir(parents=True, exist_ok=True)
    config = (src / "nbgrader_config.py").read_text() + extra_config
    (root / "nbgrader_config.py").write_text(config)
    for name in names:
        shutil.copytree(
            src / "source" / name,
            root / "source" / name,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "my_*.py"),
        )
    if generate:
        release(list(names), root)
    return root


def read_scores(
    root: Path, assignment: str, students: list[str], db_url: str | None = None
) -> dict[str, dict]:
    """Read every graded cell's score from a gradebook: by default the SQLite file of
    the course directory `root`, or any nbgrader ``db_url`` (PostgreSQL included)."""
    from nbgrader.api import Gradebook, MissingEntry

    nb = read_notebook(master_path(assignment))
    cells = graded_cells(nb)
    out: dict[str, dict] = {}
    with Gradebook(db_url or f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in students:
            row: dict[str, dict] = {}
            for key, grade_id in cells:
                try:
                    grade = gb.find_grade(grade_id, assignment, assignment, student)
                except MissingEntry:
                    row[key] = {"score": None, "max_score": None, "status": "not graded"}
                    continue
                row[key] = {"score": grade.score, "max_score": grade.max_score}
                if grade.needs_manual_grade:
                    # nbgrader reports 0 for "not graded yet"; say so instead.
                    row[key]["score"] = grade.manual_score
                    row[key]["needs_manual_grade"] = True
            out[student] = row
    return out


def grade_notebook(path: Path, assignment: str, **kwargs) -> dict[str, dict]:
    """Grade one notebook as `nbgrader autograde` does, in a scratch course.

    The course's own gradebook is never opened: a temporary course directory
    gets a copy of the master, its own gradebook, and the submission.
    """
    return grade_one(path, assignment, **kwargs)[0]


def grade_one(
    path: Path, assignment: str, *, require_sandbox: bool = False, announce=None
) -> tuple[dict[str, dict], object]:
    """Grade one notebook in a scratch course; return (scores by cell, the grading record).

    It goes through the same grader as ``python -m autograder autograde`` (a
    worker process, nbgrader's own Autograde recording into the scratch
    gradebook), so limits, reasons and refusals are the same. The notebook is
    read once, as a regular file (a link, a named pipe or a device is refused),
    and nothing is written outside the scratch course.
    """
    from ._parallel import Grader, read_regular

    master = master_path(assignment)
    path = Path(path)
    if path.is_symlink():
        raise UsageError(
            f"{path} is a symbolic link: not graded (grade the file it points to, "
            f"{os.path.realpath(path)}, if you trust it)"
        )
    read_notebook(path)  # one-line errors for missing, malformed or non-notebook files
    try:
        data = read_regular(path)
    except OSError as exc:
        raise UsageError(f"{path} cannot be read: {exc.strerror or exc}") from None
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        root = Path(tmp)
        new_course(root, [assignment])
        nbgrader("generate_assignment", assignment, "--force", cwd=root)
        dest = root / "submitted" / "student" / assignment
        dest.mkdir(parents=True)
        with open(dest / master.name, "xb") as fh:
            fh.write(data)
        grader = Grader(root, jobs=1, force=True, progress=False, require_sandbox=require_sandbox)
        records = grader.run([assignment], announce=announce)
        if not records:
            raise RuntimeError("the grader recorded nothing for this notebook")
        scores = read_scores(root, assignment, ["student"])["student"]
        graded = root / "autograded" / "student" / assignment / master.name
        if graded.is_file() and not graded.is_symlink():
            for exercise, report in hidden_reports(read_notebook(graded)).items():
                if exercise in scores:
                    scores[exercise]["report"] = report
                    scores[exercise]["failing"] = failing_properties(report)
        return scores, records[0]


_VERDICT = re.compile(r"^\[autograder verdict v\d+ \S+ [0-9a-f]{64}( tampered)?\]$")


def hidden_reports(nb) -> dict[str, str]:
    """The hidden-test report printed in each test cell, by exercise.

    It is the block the harness prints just before the seal's verdict line:
    from ``<exercise>: <score> / <points> points`` to that line. The score is
    verified separately (the gradebook holds only verified scores); this text
    is what the kernel printed, for a person to read.
    """
    out = {}
    for ex in exercises(nb):
        cell = next(
            (
                c
                for c in nb.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == ex.tests_id
            ),
            None,
        )
        if cell is None or cell.cell_type != "code":
            continue
        text = "".join(
            o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"
        )
        lines = text.splitlines()
        ends = [i for i, line in enumerate(lines) if _VERDICT.match(line.strip())]
        stop = ends[-1] if ends else len(lines)
        header = re.compile(rf"^{re.escape(ex.grade_id)}: \S+ / \S+ points$")
        starts = [i for i in range(stop) if header.match(lines[i])]
        if starts:
            out[ex.grade_id] = "\n".join(lines[starts[-1] : stop])
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            first = (str(errors[-1].get("evalue", "")).strip().splitlines() or [""])[0][:300]
            out[ex.grade_id] = (
                f"{ex.grade_id}: not graded\n  ERROR the cell stopped before the hidden tests "
                f"ran: {errors[-1].get('ename', 'Error')}: {first}"
            )
    return out


def failing_properties(report: str) -> list[dict[str, str]]:
    """The FAIL lines of a report, each with its reason (the indented lines below it)."""
    out: list[dict[str, str]] = []
    for line in report.splitlines():
        if line.startswith("  FAIL  "):
            out.append({"property": line[8:].strip(), "reason": ""})
        elif line.startswith("  ERROR "):
            out.append({"property": "the hidden suite", "reason": line[8:].strip()})
        elif out and line.startswith("        "):
            sep = "\n" if out[-1]["reason"] else ""
            out[-1]["reason"] += sep + line.strip()
    return out


# --------------------------------------------------------------------------
# Sample submissions


def solution_answers(assignment: str) -> dict[str, str]:
    """The master's answers as a student would type them (without the markers)."""
    nb = read_notebook(master_path(assignment))
    return {
        nbgrader_meta(c)["grade_id"]: SOLUTION_MARKERS.sub("", c.source)
        for c in nb.cells
        if nbgrader_meta(c).get("solution")
    }


def sample_submission(assignment: str, release_nb, role: str):
    """Build a sample student's notebook: right, blank, or a demo role made of mutants."""
    if role == "blank":
        return release_nb
    answers = solution_answers(assignment)
    if role != "right":
        chosen = demo_roles(assignment).get(role, [])
        by_name = {m.name: m for m in mutants(assignment)}
        for name in chosen:
            answers[by_name[name].exercise] = by_name[name].source
    return replace_answers(release_nb, answers)


DEMO_STUDENTS = ["right", "blank", "buggy", "deadlock", "loop"]


def demo(out: Path | None = None, names: list[str] | None = None, jobs: int = 4) -> Path:
    """Release everything, grade the sample submissions in build/demo, print a table."""
    import nbformat

    src = course_root()
    names = names or assignments(src)
    print(f"releasing {', '.join(names)} into release/ ...", flush=True)
    release(names, src)
    root = out or src / "build" / "demo"
    if root.exists():
        shutil.rmtree(root)
    new_course(root, names)
    for name in names:
        nbgrader("generate_assignment", name, "--force", cwd=root)
        release_nb = read_notebook(root / "release" / name / f"{name}.ipynb")
        for student in DEMO_STUDENTS:
            roles = demo_roles(name)
            if student not in ("right", "blank") and student not in roles:
                continue
            nb = sample_submission(name, release_nb, student)
            dest = root / "submitted" / student / name
            dest.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, dest / f"{name}.ipynb")
    if jobs > 1:
        # The parallel grader records through nbgrader's own Autograde converter, so the
        # gradebook is what `nbgrader autograde` would write (tests/test_parallel.py).
        from ._parallel import autograde

        print(f"autograding {', '.join(names)} with {jobs} workers ...", flush=True)
        autograde(names, root=root, jobs=jobs, force=True, progress=False, announce=print)
    for name in names:
        if jobs <= 1:
            print(f"autograding {name} with nbgrader autograde ...", flush=True)
            nbgrader("autograde", name, "--force", cwd=root)
        nbgrader("generate_feedback", name, "--force", cwd=root)
    nbgrader("export", cwd=root)
    print()
    print(score_table(root, names))
    print(f"\nfeedback: {root / 'feedback'}\ngrades:   {root / 'grades.csv'}")
    return root


def score_table(root: Path, names: list[str]) -> str:
    students = sorted(p.name for p in (root / "submitted").iterdir() if p.is_dir())
    lines = []
    for name in names:
        scores = read_scores(root, name, students)
        keys = list(next(iter(scores.values())).keys()) if scores else []
        widths = [max(8, len(k)) for k in keys]
        lines.append(f"{name}")
        lines.append(
            "  "
            + "student".ljust(10)
            + "  ".join(k.rjust(w) for k, w in zip(keys, widths, strict=True))
        )
        for student in students:
            if not (root / "submitted" / student / name).exists():
                continue
            cells = []
            for k, w in zip(keys, widths, strict=True):
                entry = scores[student][k]
                if entry.get("needs_manual_grade"):
                    text = "manual"
                elif entry["score"] is None:
                    text = "-"
                else:
                    text = f"{entry['score']:g}/{entry['max_score']:g}"
                cells.append(text.rjust(w))
            lines.append("  " + student.ljust(10) + "  ".join(cells))
        lines.append("")
    return "\n".join(lines).rstrip()
