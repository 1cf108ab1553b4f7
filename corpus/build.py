"""Build the hostile submissions of the corpus into a course's submitted/ folder.

Each assignment folder here (``corpus/01_threads``) holds a ``manifest.json``
and the files it names. An entry describes one student:

``answers``
    answer cells to replace, by ``grade_id``. A value is a file in the folder,
    ``@stub`` (keep the released stub) or ``@mutant NAME`` (a known-wrong answer
    from ``autograder/mutants``). Inside a file, a line ``# @right`` becomes
    the reference answer and ``# @mutant NAME`` that mutant's code. Answer
    cells not named get the reference answer.
``transform``
    an edit of a locked cell: ``edit`` (new source), ``delete``, ``duplicate``
    or ``rename`` (a new ``grade_id``).
``file``
    a raw file submitted as the notebook (invalid JSON, a wrong nbformat, ...).
``folder``
    the submission folder's files, by name, copied from corpus files: a
    submission without the expected notebook.
``expect``
    the points each exercise must get: a number, ``"<N"`` or ``"any"``.
``reason``
    text the autograded notebook (or the report) must contain, so that an
    instructor can read why.

Run ``python corpus/build.py COURSE_DIR [ASSIGNMENT]`` to build into a course.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import nbformat  # noqa: E402

from autograder._grading import solution_answers  # noqa: E402
from autograder._notebook import mutants, nbgrader_meta, read_notebook  # noqa: E402


def manifest(assignment: str = "01_threads") -> list[dict]:
    return json.loads((HERE / assignment / "manifest.json").read_text())


def _expand(text: str, right: str, by_name: dict) -> str:
    out = []
    for line in text.splitlines():
        if line.strip() == "# @right":
            out.append(right)
        elif line.strip().startswith("# @mutant "):
            out.append(by_name[line.split()[-1]].source)
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def notebook_for(entry: dict, release_nb, assignment: str):
    """Return the notebook an entry submits (or None for raw files and folders)."""
    if "file" in entry or "folder" in entry:
        return None
    folder = HERE / assignment
    right = solution_answers(assignment)
    by_name = {m.name: m for m in mutants(assignment)}
    answers = dict(right)
    for cell_id, spec in entry.get("answers", {}).items():
        if spec == "@stub":
            answers.pop(cell_id)
        elif spec.startswith("@mutant "):
            answers[cell_id] = by_name[spec.split()[-1]].source
        else:
            answers[cell_id] = _expand((folder / spec).read_text(), right.get(cell_id, ""), by_name)
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and gid in answers and cell.cell_type == "code":
            cell.source = answers[gid]
    op = entry.get("transform")
    if op:
        index = next(
            i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == op["cell"]
        )
        cell = nb.cells[index]
        if op["op"] == "edit":
            cell.source = op["source"]
        elif op["op"] == "delete":
            del nb.cells[index]
        elif op["op"] == "duplicate":
            twin = copy.deepcopy(cell)
            twin["id"] = cell.get("id", "cell") + "-twin"
            nb.cells.insert(index + 1, twin)
        elif op["op"] == "rename":
            cell.metadata["nbgrader"]["grade_id"] = op["to"]
        else:
            raise ValueError(f"unknown transform {op['op']!r}")
    return nb


def build(
    course: Path, assignment: str = "01_threads", names: list[str] | None = None
) -> list[dict]:
    """Write the corpus's submissions into `course`/submitted; return their entries."""
    course = Path(course)
    release_nb = read_notebook(course / "release" / assignment / f"{assignment}.ipynb")
    entries = [e for e in manifest(assignment) if names is None or e["student"] in names]
    for entry in entries:
        dest = course / "submitted" / entry["student"] / assignment
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        if "file" in entry:
            shutil.copy(HERE / assignment / entry["file"], dest / f"{assignment}.ipynb")
        elif "folder" in entry:
            for name, source in entry["folder"].items():
                shutil.copy(HERE / assignment / source, dest / name)
        else:
            nbformat.write(
                notebook_for(entry, release_nb, assignment), dest / f"{assignment}.ipynb"
            )
    return entries


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python corpus/build.py COURSE_DIR [ASSIGNMENT]")
    built = build(Path(sys.argv[1]), *(sys.argv[2:3] or ["01_threads"]))
    print(f"built {len(built)} hostile submissions")
