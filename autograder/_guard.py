"""Keep a notebook from faking its own grade: the grader's half of the seal.

A student's code runs in the same kernel as the hidden tests, so the number a
test cell shows cannot be trusted by itself. The grader therefore does this
for every notebook (``autograder.preprocessors.SafeExecute``):

1. Before the first cell, it hands the kernel a *bundle* through a private
   file: a fresh random key and the hidden suites of the assignment (which are
   not on the kernel's disk). It runs :func:`arm` silently; ``arm`` reads the
   bundle, deletes the file and installs the seal (:mod:`autograder._seal`).
2. Each hidden-test cell's ``autograder.check`` asks the seal to begin a run,
   reports every test's outcome to it, and asks it to end the run. The seal
   adds up the score itself and returns a *verdict* line, signed with the key,
   which ``check`` prints.
3. After the notebook has run, the grader reads the verdict lines of each
   test cell, keeps those whose signature is valid for that cell's exercise,
   and makes the cell show the lowest verified score. A test cell without a
   verified verdict scores 0, with the reason. What the cell itself printed or
   returned counts for nothing. The verdict lines are then removed, so that
   feedback stays readable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path

SUITES = Path(__file__).with_name("suites")
#: The line the seal gives check() to print: the score and its signature.
#: A verdict ends in " tampered" when the seal saw the grading machinery changed (the
#: score is then 0); the flag is signed with the score, so it can be neither added nor
#: removed, and the instructor's report reads it as data, not from the kernel's words.
VERDICT = re.compile(
    r"^\[autograder verdict v2 (?P<score>[0-9][0-9.e+-]*) (?P<mac>[0-9a-f]{64})"
    r"(?P<flag> tampered)?\]\n?",
    re.M,
)
SIGNATURE = VERDICT
#: The hidden line of a test cell: autograder.check("A", "E", P, ...).
CHECK_CALL = re.compile(
    r"autograder\.check\(\s*[\"'](?P<a>[^\"']+)[\"']\s*,\s*[\"'](?P<e>[^\"']+)[\"']\s*,\s*(?P<p>[0-9.]+)"
)


def _message(assignment: str, exercise: str, points, score, tampered: bool = False) -> bytes:
    text = f"v2\0{assignment}\0{exercise}\0{float(points)!r}\0{float(score)!r}"
    return (text + ("\0tampered" if tampered else "")).encode()


def mac(key: bytes, assignment: str, exercise: str, points, score, tampered: bool = False) -> str:
    """Return the hex HMAC that vouches for `score` (and the tamper flag) on one exercise."""
    message = _message(assignment, exercise, points, score, tampered)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------
# Grader side


def new_key() -> bytes:
    return secrets.token_bytes(32)


def suite_sources(assignment: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Return ({assignment: suite source}, {module name: helper source}) from autograder/suites."""
    suites = {}
    for path in sorted(SUITES.glob("test_*.py")):
        name = path.stem[len("test_") :]
        if assignment is None or name == assignment:
            suites[name] = path.read_text(encoding="utf-8")
    helpers = {
        f"autograder.suites.{p.stem}": p.read_text(encoding="utf-8")
        for p in sorted(SUITES.glob("*.py"))
        if not p.name.startswith("test_") and p.name != "__init__.py"
    }
    return suites, helpers


def bundle(key: bytes, assignment: str | None = None, settings: dict | None = None) -> bytes:
    """The secret bundle for one kernel: the key, the hidden suites it needs, and the
    harness's settings (``deadline``, ``budget``: seconds, from ``SafeExecute``)."""
    suites, helpers = suite_sources(assignment)
    data = {"v": 2, "key": key.hex(), "suites": suites, "helpers": helpers}
    data["settings"] = {k: float(v) for k, v in (settings or {}).items() if k in SETTINGS}
    return json.dumps(data).encode()


#: The harness settings a bundle may carry.
SETTINGS = ("deadline", "budget")


def write_key(
    key: bytes, folder: str, assignment: str | None = None, settings: dict | None = None
) -> str:
    """Write the bundle for `key` to a new private file in `folder` and return its path."""
    path = os.path.join(folder, f"guard-{secrets.token_hex(8)}.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(bundle(key, assignment, settings))
    return path


def arm_code(path: str) -> str:
    return f"import autograder._guard as _ag\n_ag.arm({path!r})\ndel _ag\n"


def verdicts(text: str) -> list[tuple[str, str]]:
    """Return (score, mac) for every verdict line in `text`."""
    return [(m["score"], m["mac"]) for m in VERDICT.finditer(text)]


def signatures(text: str) -> list[str]:
    return [m for _, m in verdicts(text)]


def strip_signatures(text: str) -> str:
    return VERDICT.sub("", text)


def verified(
    key: bytes, assignment: str, exercise: str, points, text: str
) -> list[tuple[float, bool]]:
    """(score, tampered) of each verdict line in `text` that `key` vouches for."""
    out = []
    for m in VERDICT.finditer(text):
        try:
            value = float(m["score"])
        except ValueError:
            continue
        tampered = bool(m["flag"])
        expected = mac(key, assignment, exercise, points, value, tampered)
        if hmac.compare_digest(expected, m["mac"]):
            out.append((value, tampered))
    return out


def verified_scores(key: bytes, assignment: str, exercise: str, points, text: str) -> list[float]:
    """The scores of the verdict lines in `text` that `key` vouches for."""
    return [score for score, _ in verified(key, assignment, exercise, points, text)]


def verify(key: bytes, assignment: str, exercise: str, points, score, macs: list[str]) -> bool:
    """Return True when one of `macs` vouches for `score`."""
    expected = mac(key, assignment, exercise, points, score)
    return any(hmac.compare_digest(expected, m) for m in macs)


# --------------------------------------------------------------------------
# Kernel side


def arm(path: str) -> None:
    """Read the bundle at `path`, delete it, and install the seal (kernel side)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    os.unlink(path)
    text = raw.decode().strip()
    if text.startswith("{"):
        data = json.loads(text)
        key = bytes.fromhex(data["key"])
        suites, helpers = data.get("suites", {}), data.get("helpers", {})
        settings = data.get("settings", {})
    else:  # a bare key: the suites are on this machine's disk
        key = bytes.fromhex(text)
        suites, helpers = suite_sources()
        settings = {}
    del raw, text
    _preload()
    from . import _harness, _native, _seal

    # A C audit hook for every interpreter, before the seal's own (which refuses
    # new hooks): a subinterpreter gets no memory access (see _native). Where the
    # grader could not build it, the isolation line says so.
    _native.install()

    # Before the seal: it snapshots the harness as it is now.
    if settings.get("deadline"):
        _harness.DEFAULT_DEADLINE = float(settings["deadline"])
    if settings.get("budget"):
        _harness.DEFAULT_BUDGET = float(settings["budget"])

    _seal.install(key, suites, helpers)


PRELOAD = (
    "autograder._harness",
    "autograder.testing",
    "autograder.instruments",
    "autograder.explore",
    "coursekit",
    "pytest",
    "asyncio",
    "ctypes",
    "multiprocessing.sharedctypes",
    "concurrent.futures",
    "queue",
    "inspect",
    "traceback",
    "numpy",
    "matplotlib",
)


def _preload() -> None:
    """Import what the harness and the suites use, before any notebook code can plant fakes."""
    import importlib
    import pkgutil

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - a missing optional module is fine
            continue
    # pytest imports most of its plugins lazily; load them now so that a
    # notebook cannot put its own versions in sys.modules first.
    try:
        import _pytest

        for info in pkgutil.iter_modules(_pytest.__path__, "_pytest."):
            try:
                importlib.import_module(info.name)
            except Exception:  # noqa: BLE001, S112
                continue
    except ImportError:
        pass
