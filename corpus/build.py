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

Attack manifests (``attacks.json``, read by ``tests/test_attacks.py``) use these
too, and a few more keys; every one is optional:

``markdown``
    markdown answer cells to replace, by ``grade_id`` (a file, like ``answers``).
``extra_cells``
    cells a student adds: ``{"after": grade_id, "source": file or text,
    "cell_type": "code", "repeat": 1}``.
``pad``
    bytes of filler in a raw cell added at the top (a huge but correct notebook).
``links`` / ``fifos`` / ``files``
    more entries in the submission folder: symbolic links (``{name: target}``;
    a target may be ``@suite``, ``@master``, ``@gradebook`` or ``@student NAME``),
    named pipes, and copies of corpus files.
``malform``
    ``{"op": ..., "cell": grade_id}``: damage the notebook's JSON after writing it
    (``meta_string``, ``source_number``, ``points_string``, ``no_outputs``).
``twin``, ``kind``, ``runs``, ``claim``
    read by the tests only: the honest twin (the same notebook without the
    attack), what the attack goes for, which grading runs include it, and
    what it would prove if it worked.

Inside a file, ``# @include NAME`` inserts another file of the folder, and
``@@KEY@@`` is replaced by the value the caller passes in ``subst`` (a marker
the tests search for, a sentinel path, ...).

Run ``python corpus/build.py COURSE_DIR [ASSIGNMENT]`` to build into a course.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import nbformat  # noqa: E402

from autograder.course import (  # noqa: E402
    mutants,
    nbgrader_meta,
    read_notebook,
    solution_answers,
)


def manifest(assignment: str = "01_threads", name: str = "manifest.json") -> list[dict]:
    return json.loads((HERE / assignment / name).read_text())


def _expand(
    text: str, right: str, by_name: dict, folder: Path | None = None, subst: dict | None = None
) -> str:
    out = []
    for line in text.splitlines():
        if line.strip() == "# @right":
            out.append(right)
        elif line.strip().startswith("# @mutant "):
            out.append(by_name[line.split()[-1]].source)
        elif line.strip().startswith("# @include ") and folder is not None:
            path = folder / line.split()[-1]
            out.append(_expand(path.read_text(), right, by_name, path.parent).rstrip("\n"))
        else:
            out.append(line)
    text = "\n".join(out) + "\n"
    for key, value in (subst or {}).items():
        text = text.replace(f"@@{key}@@", str(value))
    return text


def notebook_for(entry: dict, release_nb, assignment: str, subst: dict | None = None):
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
            path = folder / spec
            answers[cell_id] = _expand(path.read_text(), right.get(cell_id, ""), by_name, path.parent, subst)
    markdown = {
        cell_id: _expand((folder / spec).read_text(), "", by_name, (folder / spec).parent, subst)
        for cell_id, spec in entry.get("markdown", {}).items()
    }
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and gid in answers and cell.cell_type == "code":
            cell.source = answers[gid]
        elif gid in markdown and cell.cell_type == "markdown":
            cell.source = markdown[gid]
    for extra in entry.get("extra_cells", []):
        source = extra["source"]
        if (folder / source).is_file():
            source = _expand((folder / source).read_text(), "", by_name, (folder / source).parent, subst)
        index = next(
            i
            for i, c in enumerate(nb.cells)
            if nbgrader_meta(c).get("grade_id") == extra["after"]
        )
        new = (
            nbformat.v4.new_markdown_cell
            if extra.get("cell_type") == "markdown"
            else nbformat.v4.new_code_cell
        )
        nb.cells[index + 1 : index + 1] = [new(source) for _ in range(extra.get("repeat", 1))]
    if entry.get("pad"):
        nb.cells.insert(0, nbformat.v4.new_raw_cell("x" * int(entry["pad"])))
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


def _malform(path: Path, op: dict) -> None:
    """Damage a written notebook's JSON the way a broken editor or a student might."""
    data = json.loads(path.read_text())
    cell = next(
        c for c in data["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == op["cell"]
    )
    if op["op"] == "meta_string":
        cell["metadata"]["nbgrader"] = "locked"
    elif op["op"] == "source_number":
        cell["source"] = 42
    elif op["op"] == "points_string":
        cell["metadata"]["nbgrader"]["points"] = "six"
    elif op["op"] == "no_outputs":
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    else:
        raise ValueError(f"unknown malform {op['op']!r}")
    path.write_text(json.dumps(data))


def _link_target(spec: str, course: Path, assignment: str, subst: dict | None) -> str:
    for key, value in (subst or {}).items():
        spec = spec.replace(f"@@{key}@@", str(value))
    if spec == "@suite":
        return str(HERE.parent / "autograder" / "suites" / f"test_{assignment}.py")
    if spec == "@master":
        return str(course / "source" / assignment / f"{assignment}.ipynb")
    if spec == "@gradebook":
        return str(course / "gradebook.db")
    if spec.startswith("@student "):
        other = spec.split()[-1]
        return str(course / "submitted" / other / assignment / f"{assignment}.ipynb")
    return spec


def build(
    course: Path,
    assignment: str = "01_threads",
    names: list[str] | None = None,
    manifest_name: str = "manifest.json",
    subst: dict | None = None,
) -> list[dict]:
    """Write the corpus's submissions into `course`/submitted; return their entries."""
    course = Path(course)
    release_nb = read_notebook(course / "release" / assignment / f"{assignment}.ipynb")
    entries = [
        e for e in manifest(assignment, manifest_name) if names is None or e["student"] in names
    ]
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
                notebook_for(entry, release_nb, assignment, subst), dest / f"{assignment}.ipynb"
            )
        if entry.get("malform"):
            _malform(dest / f"{assignment}.ipynb", entry["malform"])
        for name, source in entry.get("files", {}).items():
            shutil.copy(HERE / assignment / source, dest / name)
        for name, target in entry.get("links", {}).items():
            os.symlink(_link_target(target, course, assignment, subst), dest / name)
        for name in entry.get("fifos", []):
            os.mkfifo(dest / name)
    return entries


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python corpus/build.py COURSE_DIR [ASSIGNMENT]")
    built = build(Path(sys.argv[1]), *(sys.argv[2:3] or ["01_threads"]))
    print(f"built {len(built)} hostile submissions")
