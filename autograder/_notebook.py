"""Read master notebooks: find assignments, exercises, and build namespaces from cells."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import re
import stat
import sys
from pathlib import Path

import nbformat

NAME = re.compile(r"^\d\d_[a-z][a-z0-9_]*$")
TESTS_SUFFIX = "_tests"
PACKAGE = Path(__file__).resolve().parent


class UsageError(Exception):
    """Bad input from the user: reported as one line, with a non-zero exit."""


def course_root() -> Path:
    """Return the nbgrader course directory (the repository root by default)."""
    return Path(os.environ.get("AUTOGRADER_COURSE", PACKAGE.parent)).resolve()


def assignments(root: Path | None = None) -> list[str]:
    source = (root or course_root()) / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and NAME.match(p.name))


def master_path(assignment: str, root: Path | None = None) -> Path:
    root = root or course_root()
    path = root / "source" / assignment / f"{assignment}.ipynb"
    if not path.exists():
        known = ", ".join(assignments(root)) or "none"
        raise UsageError(f"unknown assignment {assignment!r} (known: {known})")
    return path


#: The cell metadata key under which the grader records, as data, what the instructor's
#: report must say about a cell (a time limit hit, output cut off, a zeroed verdict...).
#: The report reads these notes, never the wording of an output. A submission's own
#: notes are thrown away before its cells run (`preprocessors.SafeExecute`).
NOTES = "autograder_notes"


def size_limit_reason(name: str, size: int, max_kb: int) -> str:
    """Why a notebook over nbgrader's size limit (``CourseDirectory.max_file_size``) is not graded.

    One wording for every grading path, so that a refusal reads the same everywhere.
    """
    return (
        f"{name} is {size / 1e6:.1f} MB, over the course's limit of {max_kb * 1000 / 1e6:g} MB "
        f"(c.CourseDirectory.max_file_size = {max_kb} KB): not graded"
    )


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook, turning every kind of bad file into a one-line UsageError."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"no such notebook: {path}")
    if path.is_dir():
        raise UsageError(f"{path} is a folder, not a notebook (.ipynb file)")
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = "a named pipe" if stat.S_ISFIFO(mode) else "a device or socket"
        raise UsageError(f"{path} is {kind}, not a notebook (.ipynb file)")
    try:
        # O_NONBLOCK: a file swapped for a named pipe meanwhile cannot block the reader.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise UsageError(f"{path} is not a regular file, not a notebook (.ipynb file)")
            text = fh.read().decode("utf-8")
        raw = json.loads(text)
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a text file: submit the .ipynb notebook") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "re-download the notebook or restore it from a checkpoint"
        ) from None
    if not isinstance(raw, dict) or "cells" not in raw:
        raise UsageError(f"{path} is JSON but not a notebook (no 'cells'); submit the .ipynb file")
    if raw.get("nbformat") != 4:
        raise UsageError(
            f"{path} has nbformat {raw.get('nbformat')!r}; save it with Jupyter 4 format "
            "(File > Save in JupyterLab)"
        )
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"{path} is not a valid notebook ({first})") from None
    return nb


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


@dataclasses.dataclass(frozen=True)
class Exercise:
    """An autograded exercise: an answer cell and the test cell that grades it."""

    grade_id: str
    tests_id: str
    points: float


def exercises(nb) -> list[Exercise]:
    """List autograded exercises, pairing test cell `X_tests` with answer cell `X`."""
    out = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if is_test_cell(cell):
            tests_id = meta["grade_id"]
            grade_id = tests_id.removesuffix(TESTS_SUFFIX)
            out.append(Exercise(grade_id, tests_id, float(meta.get("points", 0))))
    return out


def graded_cells(nb) -> list[tuple[str, str]]:
    """Return (key, grade_id) for every graded cell: exercise name for test cells."""
    out = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade"):
            gid = meta["grade_id"]
            out.append((gid.removesuffix(TESTS_SUFFIX) if is_test_cell(cell) else gid, gid))
    return out


def answer_sources(nb) -> dict[str, str]:
    return {
        nbgrader_meta(c)["grade_id"]: c.source
        for c in nb.cells
        if nbgrader_meta(c).get("solution") and c.cell_type == "code"
    }


def replace_answers(nb, answers: dict[str, str]):
    """Return a copy of `nb` with the named answer cells' sources replaced."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    missing = set(answers)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in answers and nbgrader_meta(cell).get("solution"):
            cell.source = answers[gid]
            missing.discard(gid)
    if missing:
        raise KeyError(f"no answer cells named {sorted(missing)}")
    return nb


def namespace_from(nb, answers: dict[str, str] | None = None, workdir: Path | None = None) -> dict:
    """Execute a notebook's code cells, except test cells, in a fresh namespace.

    This is how the project's tests run a known-wrong solution without
    starting a kernel: the setup cells and answer cells run as a student's
    kernel would run them, with `answers` replacing some answer cells.
    """
    if answers:
        nb = replace_answers(nb, answers)
    ns: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        if cell.cell_type != "code" or is_test_cell(cell):
            continue
        if cell.source.startswith("%%writefile"):
            _writefile(cell.source, workdir)
            continue
        exec(compile(cell.source, f"<cell {nbgrader_meta(cell).get('grade_id', '')}>", "exec"), ns)  # noqa: S102
    return ns


def _writefile(source: str, workdir: Path | None) -> None:
    """Do what IPython's %%writefile does, into `workdir`, and make the module importable.

    A kernel writes such modules into the notebook's folder (its working
    directory); here they go to `workdir`, which is put first on sys.path,
    and any stale copy of the module is dropped from sys.modules so that each
    known-wrong solution imports its own version.
    """
    first, _, body = source.partition("\n")
    name = first.split()[-1]
    folder = Path(workdir) if workdir else Path.cwd()
    (folder / name).write_text(body, encoding="utf-8")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [
            str(folder),
            *[
                p
                for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                if p and p != str(folder)
            ],
        ]
    )
    sys.modules.pop(Path(name).stem, None)
    importlib.invalidate_caches()
