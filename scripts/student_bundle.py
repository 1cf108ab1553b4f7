"""Write the self-study bundle: what a student needs, and nothing an instructor keeps.

    python scripts/student_bundle.py [--out build/student-bundle.tar.gz]

The archive holds one folder, ``concurrency-course/``, with

- ``notebooks/``: the lessons;
- ``assignments/``: the student copies from ``release/`` (no solutions, no
  hidden tests; nbgrader's Validate runs their visible tests);
- ``coursekit/``: the helpers the lessons and assignments import;
- ``requirements.txt``: the course's pins for the student-side packages only, and
  ``constraints.txt``, every version the course was tested with;
- a ``README.md`` and a ``Makefile`` whose ``make lab`` makes a virtual
  environment and opens JupyterLab.

It never holds ``source/`` (the masters, with every solution), the hidden
suites, the known-wrong or alternative answers, or a gradebook:
``tests/test_student_bundle.py`` checks that, and that Validate passes on a
correct answer inside an unpacked copy.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = "concurrency-course"
#: The student-side packages: running lessons, Validate, plots, progress bars.
STUDENT_PACKAGES = {
    "jupyterlab",
    "notebook",
    "ipykernel",
    "nbgrader",
    "matplotlib",
    "tqdm",
    "interpreters-pep-734",
}

README = """\
# Concurrency in Python: the course, for self-study

This folder holds the lessons (`notebooks/`), the assignments (`assignments/`) and the
small helper package they import (`coursekit/`).

    make lab

makes a virtual environment in `.venv` with the pinned packages (Python 3.11 or newer;
`make lab PYTHON=python3.13` picks another interpreter) and opens JupyterLab here.

Work through each lesson, then open its assignment. Replace each
`raise NotImplementedError()` with your code and run the test cell under it: those are
the visible tests. **Validate** (in the notebook's toolbar) runs every visible test at
once. A course that grades your work also runs hidden tests, which check the
concurrency itself (they force awkward timings on purpose); they are not in this
folder, and neither are the solutions.
"""

MAKEFILE = """\
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: lab venv

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt
\ttest -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install -q --upgrade pip
\t$(BIN)/python -m pip install -q -r requirements.txt -c constraints.txt
\t# Make coursekit importable in every kernel of this environment.
\t$(BIN)/python -c 'import os, sysconfig; open(os.path.join(sysconfig.get_paths()["purelib"], "concurrency_course.pth"), "w").write(os.getcwd() + "\\n")'
\ttouch $@

lab: venv
\t$(BIN)/jupyter lab
"""


def _requirement_name(line: str) -> str:
    return re.split(r"[=<>!~;\[ ]", line.strip(), maxsplit=1)[0].lower()


def student_requirements() -> str:
    lines = ["# The course's pins for the packages a student needs (from its requirements.txt)."]
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            if _requirement_name(line) in STUDENT_PACKAGES:
                lines.append(line.strip())
    return "\n".join(lines) + "\n"


def members() -> dict[str, bytes]:
    """Map each path inside the bundle to its bytes."""
    out: dict[str, bytes] = {}
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        out[f"notebooks/{nb.name}"] = nb.read_bytes()
    for nb in sorted((ROOT / "release").glob("*/*.ipynb")):
        out[f"assignments/{nb.parent.name}/{nb.name}"] = nb.read_bytes()
    for py in sorted((ROOT / "coursekit").rglob("*.py")):  # the bench package included
        out[py.relative_to(ROOT).as_posix()] = py.read_bytes()
    out["requirements.txt"] = student_requirements().encode()
    # Every version the course was tested with; pip applies only the ones it installs.
    out["constraints.txt"] = (ROOT / "constraints.txt").read_bytes()
    out["README.md"] = README.encode()
    out["Makefile"] = MAKEFILE.encode()
    return out


def write(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members().items():
            info = tarfile.TarInfo(f"{TOP}/{name}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = now
            tar.addfile(info, io.BytesIO(data))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "student-bundle.tar.gz"))
    args = parser.parse_args(argv)
    path = write(Path(args.out))
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB, {len(members())} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
