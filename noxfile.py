"""The Python version matrix: `make matrix`, or `nox` in the repository root.

For each of Python 3.11, 3.12 and 3.13 one session builds its own virtual environment
from requirements.txt with constraints.txt (on 3.13 also the subinterpreter backport
interpreters-pep-734, which lesson 09 uses), makes the course importable in it, then runs

- every lesson and master notebook under nbval (AUTOGRADER_STRICT=1, MPLBACKEND=Agg), and
- the autograder's own tests: the reference and the known-wrong solutions of every
  exercise (tests/test_mutants.py, AUTOGRADER_REPEATS=1) and notebook hygiene.

Interpreters come from PATH (`python3.12`), or else from pyenv ($PYENV_ROOT/versions);
none is ever downloaded. A missing interpreter fails its session. One version:
`nox -s "matrix-3.12"`. The environments are kept in .nox/ and reused.

Two more sessions, `matrix-3.13t` and `matrix-3.14t`, run the same checks on a
free-threaded build when one is found (python3.13t / python3.14t on PATH, or a pyenv
version such as 3.14.0t; scripts/pick_python.py looks). When none is found the session
is reported as skipped, with the reason, and counted in nox's summary.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox
from nox.command import CommandFailed

PYTHONS = ["3.11", "3.12", "3.13"]
FREE_THREADED = ["3.13t", "3.14t"]
ROOT = Path(__file__).resolve().parent
#: Installed on top of requirements.txt where the version needs it (lesson 09).
EXTRA = {"3.13": ["interpreters-pep-734==0.5.0"]}

sys.path.insert(0, str(ROOT / "scripts"))
from pick_python import pick  # noqa: E402 - scripts/ is not a package

nox.options.sessions = ["matrix", *(f"matrix-{v}" for v in FREE_THREADED)]
nox.options.reuse_venv = "yes"
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = True


def _reports_version(exe: str, version: str) -> bool:
    """Say whether `exe` runs and is Python `version` (a pyenv shim may not run)."""
    try:
        proc = subprocess.run(
            [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and proc.stdout.strip() == version


def _patch_level(path: str) -> tuple[int, ...]:
    name = Path(path).parent.parent.name  # versions/3.12.1/bin/python3.12 -> 3.12.1
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _put_pyenv_on_path(version: str) -> None:
    """Put pyenv's newest Python `version` on PATH unless PATH already has one that runs."""
    on_path = shutil.which(f"python{version}")
    if on_path and _reports_version(on_path, version):
        return
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = glob.glob(
        os.path.join(pyenv, "versions", f"{version}.*", "bin", f"python{version}")
    )
    for exe in sorted(candidates, key=_patch_level, reverse=True):
        # Plain releases only: skip free-threaded or debug builds such as 3.13.0t.
        if re.fullmatch(r"\d+\.\d+\.\d+", Path(exe).parent.parent.name) and _reports_version(
            exe, version
        ):
            os.environ["PATH"] = str(Path(exe).parent) + os.pathsep + os.environ["PATH"]
            return


for _version in PYTHONS:
    _put_pyenv_on_path(_version)

# Make the `autograder` and `coursekit` packages of this checkout importable, as the
# Makefile does for .venv.
_PTH = (
    "import os, sys, sysconfig; "
    "open(os.path.join(sysconfig.get_paths()['purelib'], 'concurrency_course.pth'), 'w')"
    ".write(sys.argv[1] + '\\n')"
)


@nox.session(python=PYTHONS)
def matrix(session: nox.Session) -> None:
    """Run the notebooks and the autograder's own tests on one Python version."""
    _checks(session)


def _free_threaded_session(version: str):
    """Return a session on free-threaded Python `version` ("3.14t"), or one that skips."""
    found = pick([version[:-1]], free_threaded=True)
    if found is not None:
        os.environ["PATH"] = str(Path(found[0]).parent) + os.pathsep + os.environ["PATH"]

        def run(session: nox.Session) -> None:
            _checks(session)

        run.__doc__ = f"Run the matrix checks on free-threaded Python {version}."
        return nox.session(name=f"matrix-{version}", python=version)(run)

    def skip(session: nox.Session) -> None:
        session.skip(
            f"no free-threaded Python {version} (python{version}) on PATH or in pyenv; "
            f"get one with `uv python install {version}`, the python.org installer, or "
            "conda-forge's python-freethreading"
        )

    skip.__doc__ = f"Free-threaded Python {version}: skipped when none is found."
    return nox.session(name=f"matrix-{version}", python=False)(skip)


for _version in FREE_THREADED:
    _free_threaded_session(_version)


def _checks(session: nox.Session) -> None:
    session.install("-r", "requirements.txt", "-c", "constraints.txt")
    extra = EXTRA.get(str(session.python), [])
    if extra:
        session.install(*extra)
    session.run("python", "-c", _PTH, str(ROOT), silent=True)
    session.run("python", "--version")

    checks = {
        "notebooks under nbval": (
            ["--nbval-lax", "--nbval-current-env", "notebooks", "source"],
            {"AUTOGRADER_STRICT": "1", "MPLBACKEND": "Agg"},
        ),
        "autograder tests (reference and known-wrong solutions)": (
            ["tests/test_mutants.py", "tests/test_hygiene.py"],
            {"AUTOGRADER_REPEATS": "1", "MPLBACKEND": "Agg"},
        ),
    }
    failed = []
    for name, (args, env) in checks.items():
        session.log(f"{name} on Python {session.python}")
        try:
            session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *args, env=env)
        except CommandFailed:
            failed.append(name)
    if failed:
        session.error(f"Python {session.python}: failed: {'; '.join(failed)}")
