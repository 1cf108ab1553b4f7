"""Phase A, the worker side: a private scratch course per assignment, and
nbgrader's execute step (SafeExecute) run through its Python API."""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import shutil
import stat
import sys
import tempfile
import threading
import warnings
from pathlib import Path

from .files import _real_dir, _write_files, replace_file
from .tasks import Course
from .text import nbgrader_cause

_LOCK = threading.Lock()
_COURSES: dict[str, Path] = {}
_SCRATCH: Path | None = None


def _ensure_path() -> None:
    """Put this environment's scripts on PATH: nbgrader runs `alembic` from it."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def use_root(path: Path) -> None:
    """Make `path` this process's scratch root (a local worker gets it from its parent)."""
    global _SCRATCH
    _SCRATCH = path


def _scratch_root() -> Path:
    global _SCRATCH
    if _SCRATCH is None:
        import atexit
        from multiprocessing import util

        _SCRATCH = Path(tempfile.mkdtemp(prefix="autograder-worker-"))
        # Worker processes leave through os._exit(), which skips atexit; the
        # multiprocessing finalizer runs there (and Dask workers are such processes).
        util.Finalize(None, shutil.rmtree, args=(str(_SCRATCH), True), exitpriority=10)
        atexit.register(shutil.rmtree, str(_SCRATCH), True)
    return _SCRATCH


def _scratch_config(config, root: Path):
    from traitlets.config import Config

    cfg = Config(copy.deepcopy(config))
    # The scratch course uses nbgrader's default folders below its own root,
    # whatever the real course configured (an absolute path would escape it).
    for key in list(cfg.CourseDirectory):
        if key.endswith("_directory") or key in (
            "student_id",
            "assignment_id",
            "student_id_exclude",
        ):
            del cfg.CourseDirectory[key]
    cfg.CourseDirectory.root = str(root)
    cfg.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    return cfg


def _quiet_logger(name: str) -> logging.Logger:
    """A logger that writes nowhere: what nbgrader says is captured by `start_quietly`."""
    log = logging.getLogger(f"autograder.grade.{name}")
    log.handlers[:] = [logging.NullHandler()]
    log.setLevel(logging.INFO)
    log.propagate = False
    return log


def start_quietly(app, name: str) -> tuple[str, str | None]:
    """Start an nbgrader converter with its log captured, off the terminal.

    nbgrader's own ``capture_log`` runs ``app.start()`` and keeps what it
    logged. Returns (that log, None) when it succeeded, or (the log, the cause
    in one line) when it failed. The working folder is put back either way.
    """
    from nbgrader.utils import capture_log

    app.log = _quiet_logger(name)
    cwd = os.getcwd()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy's chatter about nbgrader's sessions
            result = capture_log(app)
    finally:
        os.chdir(cwd)
    # capture_log formats with tornado's LogFormatter, which indents every line
    # after a record's first by four spaces; undo that to read tracebacks.
    text = result.get("log", "").replace("\n    ", "\n")
    if result["success"]:
        return text, None
    last = result.get("error", "").strip().splitlines()[-1:] or ["nbgrader failed"]
    return text, nbgrader_cause(text, RuntimeError(last[0]))


def _course_dir(course: Course) -> Path:
    """Unpack `course` (once per process) into a scratch folder and return its root."""
    root = _COURSES.get(course.digest)
    if root is not None and (root / "gradebook.db").exists():
        return root
    if not course.files:
        raise RuntimeError("the worker has not been sent this assignment's course")
    root = _scratch_root() / f"{course.assignment}-{course.digest}"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    _write_files(root, course.files)
    _COURSES[course.digest] = root
    return root


def build_course(assignment: str, config, source: Path) -> Course:
    """Release `source` in a temporary scratch course and pack the result as bytes."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    with tempfile.TemporaryDirectory(prefix="autograder-course-") as tmp:
        root = Path(tmp)
        shutil.copytree(
            source,
            root / "source" / assignment,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
        cfg = _scratch_config(config, root)
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = assignment
        app = GenerateAssignment(coursedir=coursedir, config=cfg)
        app.force = True
        app.create_assignment = True
        log, cause = start_quietly(app, "generate")
        if cause is not None:
            raise RuntimeError(f"could not release {assignment} in a scratch course: {cause}")
        files = {}
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                files[str(path.relative_to(root))] = path.read_bytes()
    return Course(assignment, config, files)


def _execute_prefix(preprocessors: list) -> tuple[list, list]:
    """Split autograde preprocessors into (up to the execute step, after it).

    Phase A runs the first part only. nbgrader has a switch for the other
    half (``--no-execute``, which phase B uses) but none for "stop after
    executing", so this one split stays.
    """
    from nbconvert.preprocessors import ExecutePreprocessor

    classes = [_resolve(pp) for pp in preprocessors]
    last = max(
        (
            i
            for i, pp in enumerate(classes)
            if isinstance(pp, type) and issubclass(pp, ExecutePreprocessor)
        ),
        default=-1,
    )
    return list(preprocessors[: last + 1]), list(preprocessors[last + 1 :])


def _resolve(pp):
    if isinstance(pp, str):
        from traitlets.utils.importstring import import_item

        return import_item(pp)
    return pp


def _autograde_lists(config) -> tuple[list, list]:
    from nbgrader.converters import Autograde

    auto = config.Autograde.get("autograde_preprocessors", None)
    if auto is None:
        auto = Autograde.autograde_preprocessors.default_value
    sanitize = config.Autograde.get("sanitize_preprocessors", None)
    if sanitize is None:
        sanitize = Autograde.sanitize_preprocessors.default_value
    return list(sanitize), list(auto)


_SAFE_AUTOGRADE = None


def safe_autograde_class():
    """nbgrader's Autograde, writing without following links.

    A student's kernel runs in the folder nbgrader writes the graded notebook
    to, and can put a link there under the notebook's name; stock nbgrader
    would write through it (and ``set_permissions`` would chmod the target).
    """
    global _SAFE_AUTOGRADE
    if _SAFE_AUTOGRADE is not None:
        return _SAFE_AUTOGRADE
    from nbgrader.converters import Autograde

    class SafeAutograde(Autograde):
        def write_single_notebook(self, output, resources) -> None:
            ids = resources["nbgrader"]
            build = self._format_dest(ids["assignment"], ids["student"])
            self.writer.build_directory = build
            _real_dir(Path(build))
            ext = resources.get("output_extension") or self.exporter.file_extension
            data = output.encode("utf-8") if isinstance(output, str) else output
            replace_file(Path(build) / (resources["unique_key"] + ext), data)

        def set_permissions(self, assignment_id: str, student_id: str) -> None:
            permissions = int(str(self.permissions), 8)
            dest = os.path.normpath(self._format_dest(assignment_id, student_id))
            for dirname, _, filenames in os.walk(dest):
                for filename in filenames:
                    path = os.path.join(dirname, filename)
                    with contextlib.suppress(OSError):
                        if stat.S_ISREG(os.lstat(path).st_mode):
                            os.chmod(path, permissions)

    _SAFE_AUTOGRADE = SafeAutograde
    return SafeAutograde
