"""Grade every submission of an assignment in parallel, on this machine or a Dask cluster.

``nbgrader autograde`` grades one notebook after another. This module splits
its work in two phases so that the slow part runs in parallel and the
gradebook is still written by nbgrader alone:

A. **Execute** (in parallel). A worker process gets a task that carries
   everything it needs as bytes: the course's nbgrader configuration (without
   the gradebook's URL), the assignment's ``source/`` folder and the student's
   submission folder. It grades the submission in a private scratch course
   (its own copy of the source and its own gradebook, made once per assignment
   and reused), running nbgrader's sanitizers and the execute preprocessor
   (``SafeExecute``) through nbgrader's Python API. It sends back the executed
   notebooks. Because tasks carry bytes, Dask workers on other machines need no
   shared file system.

B. **Record** (serially, in this process). Each executed notebook goes through
   nbgrader's own ``Autograde`` converter on the real course, with the
   preprocessors that follow execution (``SaveAutoGrades`` and the rest) and
   without ``ClearOutput`` or the execute step. nbgrader therefore computes and
   stores every grade exactly as a serial ``nbgrader autograde`` would, and only
   one process ever writes the gradebook. A file lock keeps two grading
   commands from writing at once.

Files. Only regular files are read out of a submission folder, without
following symbolic links and without opening anything else (a named pipe, a
device); whatever is skipped is named in the student's report. nbgrader gets a
staged copy of those files, writes its output into a private staging folder,
and the result is moved into ``autograded/`` with a rename, so no file is ever
written through a link a student (or a student's kernel) planted.

Workers. Each worker process grades one submission at a time under a deadline.
A worker that dies (a signal, ``os._exit``, the out-of-memory killer) or runs
past its deadline is replaced; only the submission it held is graded again,
once, and then recorded with the reason.

A submission that cannot be read, or has no notebook, gets a stand-in (the
released notebook with an error in every code cell that says why), so the
student is recorded with 0 and a reason instead of being dropped.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import dataclasses
import fnmatch
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import uuid
import warnings
from pathlib import Path

from ._notebook import NOTES, UsageError, size_limit_reason

#: Student id used inside the scratch courses of the workers.
SCRATCH_STUDENT = "student"
#: Seconds a worker gets for one submission beyond the notebook's own limit
#: (``c.SafeExecute.notebook_timeout``): starting the kernel, nbgrader's steps.
DEADLINE_MARGIN = 120.0
#: The notebook limit when the configuration sets none (SafeExecute's default).
DEFAULT_NOTEBOOK_TIMEOUT = 1800.0
#: A worker's deadline when the configuration switches the notebook limit off.
NO_LIMIT_DEADLINE = 6 * 3600.0
#: Most files read out of one submission folder (the rest are skipped and named).
MAX_FILES = 2000
#: Test seam: JSON that makes workers die or hang on given students (see _run_test_hook).
TEST_HOOK_ENV = "AUTOGRADER_TEST_WORKER_HOOK"
#: Every worker process and the kernels it starts carry this variable, so that
#: what a dead worker left behind can be found and stopped.
WORKER_MARKER_ENV = "AUTOGRADER_WORKER_MARKER"


# --------------------------------------------------------------------------
# Text a student controls, on the way to a terminal


_CSI_OSC = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-_])")


def _local_safe_terminal_text(text: str) -> str:
    """Replace escape sequences and C0/C1 control characters with visible escapes."""
    text = _CSI_OSC.sub(lambda m: repr(m.group(0))[1:-1], str(text))
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F):
            out.append(f"\\u{code:04x}")  # bidirectional overrides reorder what follows
        else:
            out.append(ch)
    return "".join(out)


def safe_text(text) -> str:
    """Make student-controlled text safe to print on a terminal."""
    from .sanitize import safe_terminal_text

    return _local_safe_terminal_text(safe_terminal_text(str(text)))


# --------------------------------------------------------------------------
# The kernels' isolation, as the sandbox reports it


@functools.lru_cache(maxsize=1)
def isolation() -> tuple[str, bool]:
    """Return (one line saying what isolation grading kernels get here, available?)."""
    from .sandbox import probe

    try:
        status = probe()
    except Exception as exc:  # noqa: BLE001 - a broken probe is reported, not fatal
        return f"unknown (the sandbox probe failed: {type(exc).__name__}: {exc})", False
    from ._native import status as guard_status

    line = f"{status.describe()}; {guard_status()}"
    return " ".join(line.split()), bool(status.ok)


# --------------------------------------------------------------------------
# Tasks and outcomes (plain data, so they pickle for processes and Dask)


@dataclasses.dataclass
class Course:
    """A scratch course for one assignment, as bytes: what a worker unpacks and grades in.

    It holds the assignment's source folder, its release and a gradebook made
    by ``generate_assignment`` (done once, by the parent), and the
    configuration nbgrader loaded for the real course, without the gradebook's
    URL (workers never open the real gradebook).
    """

    assignment: str
    config: object  # a traitlets Config
    files: dict[str, bytes]  # by path relative to the scratch course's root
    digest: str = ""
    notebooks: list[str] = dataclasses.field(default_factory=list)  # released, by file name

    def __post_init__(self):
        if not self.digest:
            h = hashlib.sha256(self.assignment.encode())
            h.update(repr(sorted(_config_repr(self.config))).encode())
            for name in sorted(self.files):
                h.update(name.encode() + b"\0" + self.files[name])
            self.digest = h.hexdigest()[:16]
        if not self.notebooks:
            prefix = f"release/{self.assignment}/"
            self.notebooks = sorted(
                name[len(prefix) :]
                for name in self.files
                if name.startswith(prefix)
                and name.endswith(".ipynb")
                and "/" not in name[len(prefix) :]
            )


@dataclasses.dataclass
class Task:
    course: Course
    student: str
    files: dict[str, bytes]  # the submission folder, by relative path


@dataclasses.dataclass
class Outcome:
    assignment: str
    student: str
    notebooks: dict[str, bytes] = dataclasses.field(default_factory=dict)
    error: str = ""
    log: str = ""
    seconds: float = 0.0
    worker: str = ""
    sandbox: str = ""  # the kernels' isolation on the worker's machine
    notes: list[str] = dataclasses.field(default_factory=list)


def _config_repr(config) -> list[str]:
    out = []
    for section, values in dict(config).items():
        if hasattr(values, "items"):
            for key, value in values.items():
                out.append(f"{section}.{key}={value!r}")
    return out


def worker_config(config, *, require_sandbox: bool = False):
    """The configuration that workers get: no gradebook URL (it may hold a password)."""
    from traitlets.config import Config

    cfg = Config(copy.deepcopy(config))
    if "CourseDirectory" in cfg:
        for key in ("db_url",):
            cfg.CourseDirectory.pop(key, None)
    if require_sandbox:
        cfg.SafeExecute.require_sandbox = True
    return cfg


# --------------------------------------------------------------------------
# Files: read only regular files, write only grader-owned paths


def _open_flags() -> int:
    return os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_regular(path, dir_fd: int | None = None, max_bytes: int = 0) -> bytes:
    """Read a regular file without following a link or opening anything else.

    Raises OSError with a reason in words (``strerror``) otherwise.
    """
    st = os.lstat(path, dir_fd=dir_fd) if dir_fd is not None else os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(0, _kind(st.st_mode), str(path))
    if max_bytes and st.st_size > max_bytes:
        raise OSError(0, "too large", str(path))
    fd = os.open(path, _open_flags(), dir_fd=dir_fd)
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise OSError(0, "replaced while being read", str(path))
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if max_bytes and size > max_bytes:
                raise OSError(0, "too large", str(path))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _write_new(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Create `path` (it must not exist, not even as a link) and write `data`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def replace_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `path` through a fresh temporary file and a rename: a link there is replaced."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            os.fchmod(fh.fileno(), mode & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _real_dir(path: Path) -> Path:
    """Make `path` a real folder: a link or file in its place is removed, not followed.

    Its parents are created as needed (links among them, set up by whoever
    owns the course, are followed).
    """
    path = Path(path)
    os.makedirs(path.parent, exist_ok=True)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)
        st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path)
        os.mkdir(path)
    return path


def _remove(path: Path) -> None:
    """Remove a file, a link (not what it points to) or a folder tree."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path)  # never follows links (fd-based on Linux)
    else:
        os.unlink(path)


@dataclasses.dataclass
class Folder:
    """What was read out of a submission folder."""

    files: dict[str, bytes]
    skipped: dict[str, str]  # relative path -> why it was not read
    oversize: dict[str, int] = dataclasses.field(default_factory=dict)  # path -> bytes


def read_folder(
    folder: Path,
    *,
    max_file_bytes: int = 0,
    max_total_bytes: int = 0,
    ignore: list[str] | tuple[str, ...] = (),
    first: list[str] | tuple[str, ...] = (),
) -> Folder:
    """Read the regular files of a submission folder; name everything else.

    Symbolic links (to files or folders, dangling or not), named pipes,
    sockets and devices are never opened. Files over `max_file_bytes`, or past
    `max_total_bytes` in all, are skipped. Names matching an `ignore` glob
    (nbgrader's ``CourseDirectory.ignore``) and ``.ipynb_checkpoints`` are left
    out silently. Files named in `first` (the notebooks) are read first.
    """
    out = Folder({}, {})
    entries: list[tuple[str, os.stat_result]] = []
    ignore = [".ipynb_checkpoints", *ignore]

    def walk(dir_fd: int, prefix: str, depth: int) -> None:
        with os.scandir(dir_fd) as it:
            names = sorted(e.name for e in it)
        for name in names:
            rel = prefix + name
            if any(fnmatch.fnmatch(name, pattern) for pattern in ignore):
                continue
            try:
                st = os.lstat(name, dir_fd=dir_fd)
            except OSError as exc:
                out.skipped[rel] = exc.strerror or "unreadable"
                continue
            if stat.S_ISDIR(st.st_mode):
                if depth >= 20:
                    out.skipped[rel] = "folders nested too deep"
                    continue
                try:
                    sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
                except OSError as exc:
                    out.skipped[rel] = exc.strerror or "unreadable"
                    continue
                try:
                    walk(sub, rel + "/", depth + 1)
                finally:
                    os.close(sub)
            elif stat.S_ISREG(st.st_mode):
                entries.append((rel, st))
            elif stat.S_ISLNK(st.st_mode):
                target_is_dir = False
                with contextlib.suppress(OSError):
                    target_is_dir = stat.S_ISDIR(os.stat(name, dir_fd=dir_fd).st_mode)
                out.skipped[rel] = "a symbolic link" + (" to a folder" if target_is_dir else "")
            else:
                out.skipped[rel] = _kind(st.st_mode)

    try:
        top = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        out.skipped["."] = "a symbolic link" if os.path.islink(folder) else (exc.strerror or "")
        return out
    try:
        walk(top, "", 0)
        order = {name: i for i, name in enumerate(first)}
        entries.sort(key=lambda e: (order.get(e[0], len(order)), e[0]))
        total = 0
        for rel, st in entries:
            if len(out.files) >= MAX_FILES:
                out.skipped[rel] = f"more than {MAX_FILES} files"
                continue
            if max_file_bytes and st.st_size > max_file_bytes:
                out.oversize[rel] = st.st_size
                out.skipped[rel] = (
                    f"{st.st_size / 1e6:.1f} MB, over the limit of {max_file_bytes / 1e6:g} MB "
                    "(c.CourseDirectory.max_file_size)"
                )
                continue
            if max_total_bytes and total + st.st_size > max_total_bytes:
                out.skipped[rel] = (
                    f"the folder is over {max_total_bytes / 1e6:g} MB in all "
                    "(c.CourseDirectory.max_dir_size)"
                )
                continue
            parent_fd = top
            parts = rel.split("/")
            opened = []
            try:
                for part in parts[:-1]:
                    parent_fd = os.open(
                        part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd
                    )
                    opened.append(parent_fd)
                data = read_regular(parts[-1], dir_fd=parent_fd, max_bytes=max_file_bytes)
            except OSError as exc:
                out.skipped[rel] = exc.strerror or "unreadable"
                continue
            finally:
                for fd in opened:
                    os.close(fd)
            total += len(data)
            out.files[rel] = data
    finally:
        os.close(top)
    return out


def _skipped_note(skipped: dict[str, str]) -> str:
    if not skipped:
        return ""
    items = [f"{name} ({why})" for name, why in sorted(skipped.items())]
    shown = ", ".join(items[:8]) + (f", and {len(items) - 8} more" if len(items) > 8 else "")
    return f"not read from the submission (only regular files are): {shown}"


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write `files` (relative paths) below the fresh folder `folder`, creating every file."""
    for name, data in files.items():
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or ".." in parts:
            continue
        path = folder.joinpath(*parts)
        if path.parent != folder:
            _real_dir(path.parent)
        _write_new(path, data)


# --------------------------------------------------------------------------
# nbgrader's log: the real cause of a failure


def nbgrader_cause(log_text: str, exc: BaseException | None = None) -> str:
    """The cause of an nbgrader failure, from its log, in one line.

    nbgrader logs the traceback and raises a bare "see the above traceback";
    this returns the exception at the bottom of the last traceback (and where
    in the notebook nbformat found the problem), or the first specific error.
    """
    lines = log_text.splitlines()
    start = max(
        (i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line),
        default=-1,
    )
    if start >= 0:
        for i in range(start + 1, len(lines)):
            line = lines[i]
            if line.startswith("[") and "]" in line[:12]:
                break
            if line and not line[0].isspace():
                name, _, message = line.partition(": ")
                cause = f"{name.rsplit('.', 1)[-1]}: {message}" if message else name
                for later in lines[i + 1 : i + 12]:
                    if later.strip().startswith("On instance"):
                        where = later.strip().removeprefix("On instance").rstrip(":")
                        cause += f" (at {where})" if where else ""
                        break
                return cause[:300]
    generic = ("There was an error processing", "Please see the")
    for line in lines:
        if line.startswith("[ERROR]"):
            text = line.removeprefix("[ERROR]").strip()
            if text and not text.startswith(generic):
                return text[:300]
    if exc is not None:
        return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    return "nbgrader failed without saying why"


# --------------------------------------------------------------------------
# Phase A: the worker side


_LOCK = threading.Lock()
_COURSES: dict[str, Path] = {}
_SCRATCH: Path | None = None


def _ensure_path() -> None:
    """Put this environment's scripts on PATH: nbgrader runs `alembic` from it."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


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


def _quiet_logger(name: str) -> tuple[logging.Logger, object]:
    import io

    buffer = io.StringIO()
    log = logging.getLogger(f"autograder.grade.{name}")
    log.handlers[:] = [logging.StreamHandler(buffer)]
    log.handlers[0].setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    log.setLevel(logging.INFO)
    log.propagate = False
    return log, buffer


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
        log, buffer = _quiet_logger("generate")
        app = GenerateAssignment(coursedir=coursedir, config=cfg)
        app.log = log
        app.force = True
        app.create_assignment = True
        cwd = os.getcwd()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                app.start()
        except Exception as exc:
            raise RuntimeError(
                f"could not release {assignment} in a scratch course: "
                f"{nbgrader_cause(buffer.getvalue(), exc)}"
            ) from exc
        finally:
            os.chdir(cwd)
        files = {}
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                files[str(path.relative_to(root))] = path.read_bytes()
    return Course(assignment, config, files)


def _execute_prefix(preprocessors: list) -> tuple[list, list]:
    """Split autograde preprocessors into (up to the execute step, after it)."""
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


def grade_submission(task: Task) -> Outcome:
    """Phase A: execute one submission in this process's scratch course (worker side)."""
    with _LOCK:  # nbgrader changes the working directory: one submission at a time
        _ensure_path()
        _run_test_hook(_test_hooks(), task.student)
        return _grade_submission(task)


def _grade_submission(task: Task) -> Outcome:
    from nbgrader.coursedir import CourseDirectory

    start = time.monotonic()
    course = task.course
    outcome = Outcome(
        course.assignment,
        task.student,
        worker=f"{os.uname().nodename}:{os.getpid()}",
        sandbox=isolation()[0],
    )
    cwd = os.getcwd()
    try:
        root = _course_dir(course)
        submitted = root / "submitted" / SCRATCH_STUDENT / course.assignment
        autograded = root / "autograded" / SCRATCH_STUDENT / course.assignment
        for folder in (submitted, autograded):
            _remove(folder)
        _real_dir(submitted)
        _write_files(submitted, task.files)
        cfg = _scratch_config(course.config, root)
        _, auto = _autograde_lists(cfg)
        cfg.Autograde.autograde_preprocessors, _ = _execute_prefix(auto)
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = course.assignment
        coursedir.student_id = SCRATCH_STUDENT
        log, buffer = _quiet_logger("execute")
        app = safe_autograde_class()(coursedir=coursedir, config=cfg)
        app.log = log
        app.force = True
        app.create_student = True
        try:
            app.start()
        except Exception as exc:  # noqa: BLE001 - reported, and the student gets a stand-in
            outcome.error = (
                f"nbgrader could not grade the notebook: {nbgrader_cause(buffer.getvalue(), exc)}"
            )
        outcome.log = buffer.getvalue()[-20000:]
        for name in course.notebooks:
            with contextlib.suppress(OSError):
                outcome.notebooks[name] = read_regular(autograded / name)
        if not outcome.notebooks and not outcome.error:
            outcome.error = "nbgrader produced no notebook"
        for folder in (submitted, autograded):
            with contextlib.suppress(OSError):
                _remove(folder)
    except Exception as exc:  # noqa: BLE001
        outcome.error = f"{type(exc).__name__}: {exc}"
    finally:
        os.chdir(cwd)
    outcome.seconds = time.monotonic() - start
    return outcome


def _worker_context():
    """Fork workers where that is safe: they start at once, with everything imported.

    Forking is safe while this process runs a single thread; otherwise (or off
    Linux) the workers are started by a fork server.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograder._parallel", "autograder.preprocessors"])
    return context


def _init_worker() -> None:
    # Keep the workers' own chatter (kernels' stderr, warnings) off the terminal;
    # what matters comes back in the outcome's log. Ctrl-C is the parent's business.
    warnings.simplefilter("ignore")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _test_hooks() -> dict:
    raw = os.environ.get(TEST_HOOK_ENV, "")
    if not raw:
        return {}
    try:
        hooks = json.loads(raw)
    except ValueError:
        return {}
    return hooks if isinstance(hooks, dict) else {}


def _run_test_hook(hooks: dict, student: str) -> None:
    """Test seam: make this worker die or hang on `student`, `times` times in all.

    ``{"dir": "/tmp/x", "deadline": 30, "students": {"s1": {"action": "kill",
    "after": 2, "times": 1}}}``; actions: ``kill`` (SIGKILL), ``exit``
    (``os._exit(3)``), ``hang``. Marker files in `dir` count the times across
    worker processes.
    """
    spec = hooks.get("students", {}).get(student)
    if not spec or not hooks.get("dir"):
        return
    for i in range(int(spec.get("times", 1))):
        try:
            fd = os.open(
                os.path.join(hooks["dir"], f"{student}.{i}"), os.O_CREAT | os.O_EXCL | os.O_WRONLY
            )
        except FileExistsError:
            continue
        os.close(fd)
        break
    else:
        return
    action, after = spec.get("action", "kill"), float(spec.get("after", 0))

    def act():
        if action == "exit":
            os._exit(3)
        elif action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)

    if action == "hang":
        time.sleep(10**6)
    elif after > 0:
        threading.Timer(after, act).start()
    else:
        act()


def _worker_main(conn, marker: str, scratch: str) -> None:
    """A local worker process: grade the tasks the parent sends, one at a time."""
    global _SCRATCH
    os.environ[WORKER_MARKER_ENV] = marker
    _SCRATCH = Path(scratch)
    _init_worker()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        outcome = grade_submission(task)
        try:
            conn.send(outcome)
        except (OSError, ValueError):
            return


# --------------------------------------------------------------------------
# The local pool: a dead or stuck worker costs only its own submission


def _descendants(pid: int) -> list[int]:
    children = collections.defaultdict(list)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                raw = fh.read()
            ppid = int(raw[raw.rfind(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children[ppid].append(int(name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _marked(marker: str) -> list[int]:
    needle = f"{WORKER_MARKER_ENV}={marker}".encode()
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as fh:
                if needle in fh.read():
                    out.append(int(name))
        except OSError:
            continue
    return out


def _kill(pids) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _describe_death(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        return f"signal {-code}"
    return f"exit status {code}"


class _Worker:
    def __init__(self, context):
        self.marker = uuid.uuid4().hex
        self.scratch = tempfile.mkdtemp(prefix="autograder-worker-")
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_worker_main, args=(child, self.marker, self.scratch), daemon=True
        )
        self.process.start()
        child.close()
        self.courses: set[str] = set()
        self.index: int | None = None  # the task it holds
        self.deadline = 0.0
        self.started = 0.0

    def send(self, task: Task, index: int, seconds: float) -> bool:
        course = task.course
        if course.digest in self.courses:
            task = dataclasses.replace(task, course=dataclasses.replace(course, files={}))
        self.index = index
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        try:
            self.conn.send(task)
        except (OSError, ValueError):
            return False
        self.courses.add(course.digest)
        return True

    def stop(self, kill: bool = False) -> None:
        """End the worker and everything it started; remove its scratch folder."""
        if kill or not self.process.is_alive():
            _kill(_descendants(self.process.pid) if self.process.is_alive() else [])
            _kill([self.process.pid] if self.process.is_alive() else [])
        else:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.process.join(10)
            if self.process.is_alive():
                _kill(_descendants(self.process.pid))
                self.process.kill()
        self.process.join(10)
        for _ in range(3):  # kernels and their children that outlived the worker
            left = _marked(self.marker)
            if not left:
                break
            _kill(left)
            time.sleep(0.1)
        with contextlib.suppress(OSError, ValueError):
            self.conn.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


class WorkerPool:
    """Local worker processes that survive each other's deaths (see the module docstring)."""

    def __init__(self, jobs: int, deadline: float):
        self.jobs = max(1, jobs)
        self.deadline = deadline
        self.workers: list[_Worker] = []

    def run(self, tasks: list[Task]):
        from multiprocessing.connection import wait

        queue = collections.deque(range(len(tasks)))
        causes: dict[int, list[str]] = collections.defaultdict(list)
        idle: list[_Worker] = []
        busy: list[_Worker] = []
        size = min(self.jobs, len(tasks))

        def failed(worker: _Worker, cause: str, kill: bool):
            index = worker.index
            worker.stop(kill=kill)
            self.workers.remove(worker)
            if worker in busy:
                busy.remove(worker)
            if worker in idle:
                idle.remove(worker)
            if index is None:
                return None
            causes[index].append(cause)
            if len(causes[index]) < 2:
                queue.appendleft(index)
                return None
            task = tasks[index]
            what = "; ".join(dict.fromkeys(causes[index]))
            return Outcome(
                task.course.assignment,
                task.student,
                error=f"the grading worker died twice while grading this submission ({what})",
            )

        def dispatch() -> list[Outcome]:
            done = []
            while queue and (idle or len(self.workers) < size):
                worker = idle.pop() if idle else self._start()
                index = queue.popleft()
                if not worker.process.is_alive() or not worker.send(
                    tasks[index], index, self.deadline
                ):
                    worker.index = index
                    out = failed(worker, "the worker could not take the submission", kill=True)
                    done += [out] if out is not None else []
                    continue
                busy.append(worker)
            return done

        results = dispatch()
        while results or queue or busy:
            # Workers get their next submission before this process records the
            # results (phase B, which takes a while): they never wait for it.
            yield from results
            results = []
            if not busy:
                results = dispatch()
                continue
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            handles = [w.conn for w in busy] + [w.process.sentinel for w in busy + idle]
            ready = set(wait(handles, timeout=min(timeout, 5.0)))
            for worker in list(idle):
                if worker.process.sentinel in ready:
                    worker.index = None
                    failed(worker, "", kill=True)
            for worker in list(busy):
                outcome = None
                if worker.conn in ready or worker.process.sentinel in ready:
                    with contextlib.suppress(EOFError, OSError):
                        if worker.conn.poll():
                            outcome = worker.conn.recv()
                    if isinstance(outcome, Outcome):
                        index = worker.index
                        busy.remove(worker)
                        worker.index = None
                        if causes.get(index):
                            outcome.notes.append(
                                "the grading worker died while grading this submission "
                                f"({'; '.join(causes[index])}); it was graded again"
                            )
                        if worker.process.is_alive():
                            idle.append(worker)
                        else:
                            failed(worker, "", kill=True)
                        results.append(outcome)
                        continue
                    worker.process.join(1)
                    out = failed(worker, _describe_death(worker.process.exitcode), kill=True)
                elif time.monotonic() >= worker.deadline:
                    out = failed(
                        worker,
                        f"killed after {self.deadline:g} s, the limit for one submission",
                        kill=True,
                    )
                else:
                    continue
                if out is not None:
                    results.append(out)
            results += dispatch()

    def _start(self) -> _Worker:
        worker = _Worker(_worker_context())
        self.workers.append(worker)
        return worker

    def close(self, kill: bool = False) -> None:
        for worker in list(self.workers):
            worker.stop(kill=kill)
        self.workers.clear()


# --------------------------------------------------------------------------
# Phase B: the parent side


@dataclasses.dataclass
class Submission:
    assignment: str
    student: str
    folder: Path
    problem: str = ""  # why it cannot be executed (unreadable, no notebook)
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Record:
    """What happened to one student, for the summary and the report."""

    assignment: str
    student: str
    score: float = 0.0
    max_score: float = 0.0
    notes: list[str] = dataclasses.field(default_factory=list)
    error: str = ""
    seconds: float = 0.0  # executing, in a worker
    record_seconds: float = 0.0  # recording, in this process
    worker: str = ""  # host:pid of the worker that executed it
    isolation: str = ""  # what isolation the kernels got (this machine's probe)


class Grader:
    """Grade the submissions of one course; see the module docstring."""

    def __init__(
        self,
        root: Path,
        *,
        jobs: int = 2,
        scheduler: str | None = None,
        db_url: str | None = None,
        force: bool = False,
        progress: bool = True,
        students: list[str] | None = None,
        require_sandbox: bool = False,
    ):
        _ensure_path()
        self.root = Path(root).resolve()
        self.jobs = max(1, jobs)
        self.scheduler = scheduler
        self.force = force
        self.progress = progress
        self.only = set(students or [])
        self.require_sandbox = require_sandbox
        self.config = self._load_config(db_url)
        if require_sandbox:
            self.config.SafeExecute.require_sandbox = True
        self.db_url = self._db_url()
        self.records: list[Record] = []
        self.sandboxes: set[str] = set()
        self.isolation, self.sandbox_available = isolation()

    # ------------------------------------------------------------ config

    def _load_config(self, db_url: str | None):
        """Load the configuration exactly as `nbgrader autograde` would in this course."""
        from nbgrader.apps import AutogradeApp
        from traitlets.config import Config

        if not (self.root / "nbgrader_config.py").exists():
            raise UsageError(f"{self.root} has no nbgrader_config.py: is it an nbgrader course?")
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            app = AutogradeApp()
            app.log = _quiet_logger("config")[0]
            app.initialize([])
            config = Config(copy.deepcopy(app.config))
        finally:
            os.chdir(cwd)
            with contextlib.suppress(Exception):
                AutogradeApp.clear_instance()
        config.CourseDirectory.root = str(self.root)
        if db_url:
            config.CourseDirectory.db_url = db_url
        return config

    def _coursedir(self, config=None):
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=config or self.config)

    def _db_url(self) -> str:
        return self._coursedir().db_url

    def _setting(self, section: str, key: str, default):
        values = self.config.get(section, {})
        return values[key] if key in values else default

    @property
    def worker_deadline(self) -> float:
        """Seconds one submission may take in a worker: the notebook's limit plus a margin."""
        hook = _test_hooks().get("deadline")
        if hook:
            return float(hook)
        default = DEFAULT_NOTEBOOK_TIMEOUT
        with contextlib.suppress(Exception):
            from .preprocessors import SafeExecute

            default = float(SafeExecute.class_traits()["notebook_timeout"].default_value)
        limit = float(self._setting("SafeExecute", "notebook_timeout", default) or 0)
        if limit <= 0:
            return NO_LIMIT_DEADLINE
        return limit + DEADLINE_MARGIN

    def check_sandbox(self) -> None:
        """With --require-sandbox, refuse to start when the kernels cannot be isolated."""
        if not self.require_sandbox:
            return
        if not self.sandbox_available:
            raise RuntimeError(
                f"--require-sandbox: the kernel sandbox is unavailable: {self.isolation}"
            )

    # ------------------------------------------------------------ finding work

    def submissions(self, assignment: str) -> list[Submission]:
        from nbgrader.api import Gradebook, MissingEntry

        cd = self._coursedir()
        with Gradebook(self.db_url) as gb:
            try:
                notebooks = [nb.name for nb in gb.find_assignment(assignment).notebooks]
            except MissingEntry:
                raise UsageError(
                    f"assignment {assignment!r} is not in the gradebook: release it first "
                    f"(nbgrader generate_assignment {assignment}, or python -m autograder release)"
                ) from None
        pattern = Path(cd.format_path(cd.submitted_directory, "*", assignment))
        exclude = set(filter(None, (cd.student_id_exclude or "").split(",")))
        out = []
        for folder in sorted(pattern.parent.parent.glob(f"*/{pattern.name}")):
            if not folder.is_dir():
                continue
            student = folder.parent.name
            if student in exclude or (self.only and student not in self.only):
                continue
            done = Path(cd.format_path(cd.autograded_directory, student, assignment))
            if os.path.lexists(done) and not self.force:
                continue
            out.append(self._submission(assignment, student, folder, notebooks))
        return out

    def _submission(self, assignment: str, student: str, folder: Path, notebooks) -> Submission:
        cd = self._coursedir()
        sub = Submission(assignment, student, folder)
        if folder.parent.is_symlink() or folder.is_symlink():
            sub.problem = "the submission folder is a symbolic link: not graded"
            return sub
        kb = cd.max_file_size
        found = read_folder(
            folder,
            max_file_bytes=1000 * kb if kb else 0,
            max_total_bytes=1000 * cd.max_dir_size if cd.max_dir_size else 0,
            ignore=list(cd.ignore),
            first=[f"{name}.ipynb" for name in notebooks],
        )
        sub.files, sub.skipped = found.files, found.skipped
        sub.problem = _problem(found, notebooks, kb)
        return sub

    def course(self, assignment: str) -> Course:
        cd = self._coursedir()
        return build_course(
            assignment,
            worker_config(self.config, require_sandbox=self.require_sandbox),
            Path(cd.format_path(cd.source_directory, ".", assignment)),
        )

    # ------------------------------------------------------------ running

    def run(self, assignments: list[str], announce=None) -> list[Record]:
        """Grade; `announce` (e.g. ``print``) first gets one line on the kernels' isolation."""
        self.check_sandbox()
        work: list[Task] = []
        ready: list[tuple[Submission, Outcome]] = []
        subs: dict[tuple[str, str], Submission] = {}
        found = {assignment: self.submissions(assignment) for assignment in assignments}
        if announce is not None:
            announce(f"kernel isolation: {safe_text(self.isolation)}")
        for assignment, submissions in found.items():
            course = None
            for sub in submissions:
                subs[(assignment, sub.student)] = sub
                if sub.problem:
                    ready.append((sub, Outcome(assignment, sub.student, error=sub.problem)))
                    continue
                course = course or self.course(assignment)
                work.append(Task(course, sub.student, sub.files))
        total = len(work) + len(ready)
        bar = _progress(total, self.progress)
        try:
            for sub, outcome in ready:
                self._record(sub, outcome)
                bar.update(1)
            for outcome in self._execute(work):
                bar.set_postfix_str(
                    safe_text(f"{outcome.assignment}/{outcome.student}"), refresh=False
                )
                self._record(subs[(outcome.assignment, outcome.student)], outcome)
                bar.update(1)
        finally:
            bar.close()
        return self.records

    def _execute(self, tasks: list[Task]):
        if not tasks:
            return
        if self.scheduler:
            yield from self._execute_dask(tasks)
        else:
            yield from self._execute_local(tasks)

    def _execute_local(self, tasks: list[Task]):
        """Run phase A in local worker processes, each submission under a deadline."""
        pool = WorkerPool(self.jobs, self.worker_deadline)
        clean = False
        try:
            yield from pool.run(tasks)
            clean = True
        finally:
            pool.close(kill=not clean)

    def _execute_dask(self, tasks: list[Task]):
        """Run phase A on a Dask distributed cluster.

        A worker lost while grading makes the scheduler run the task elsewhere
        (up to its ``allowed-failures``), and an exception is retried once
        (``retries=1``); what still fails is recorded as lost. A submission
        that runs past the deadline (counted from when the scheduler first
        reports it processing) is given up and recorded; Dask cannot stop the
        task itself.
        """
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise UsageError("--scheduler needs the `distributed` package") from None
        try:
            client = Client(self.scheduler, timeout="20s")
        except OSError as exc:
            raise RuntimeError(
                f"cannot reach the Dask scheduler at {self.scheduler}: {exc}"
            ) from None
        deadline = self.worker_deadline
        with client:
            futures = {}
            for task in tasks:
                future = client.submit(grade_submission, task, pure=False, retries=1)
                futures[future] = task
            seen: dict[str, float] = {}
            pending = as_completed(futures)
            while futures:
                for future in pending.next_batch(block=False) if pending.has_ready() else []:
                    task = futures.pop(future, None)
                    if task is None:
                        continue
                    try:
                        yield future.result()
                    except Exception as exc:  # noqa: BLE001 - KilledWorker and the like
                        kind = type(exc).__name__
                        why = (
                            "the Dask worker grading this submission was lost"
                            if kind == "KilledWorker"
                            else "grading failed on the Dask cluster"
                        )
                        yield Outcome(
                            task.course.assignment,
                            task.student,
                            error=f"{why} ({kind}: {_short(str(exc))})",
                        )
                if not futures:
                    break
                time.sleep(0.5)
                with contextlib.suppress(Exception):
                    now = time.monotonic()
                    running = {k for keys in client.processing().values() for k in keys}
                    for future, task in list(futures.items()):
                        if future.key in running:
                            seen.setdefault(future.key, now)
                        # A task may wait behind one other on its worker: twice the deadline.
                        if future.key in seen and now - seen[future.key] > 2 * deadline:
                            futures.pop(future)
                            future.cancel()
                            yield Outcome(
                                task.course.assignment,
                                task.student,
                                error=f"no result from the Dask cluster within {2 * deadline:g} s",
                            )

    # ------------------------------------------------------------ phase B

    def _record(self, sub: Submission, outcome: Outcome) -> None:
        if outcome.sandbox:
            self.sandboxes.add(outcome.sandbox)
        record = Record(
            sub.assignment,
            sub.student,
            seconds=outcome.seconds,
            worker=outcome.worker,
            isolation=self.isolation,
        )
        skipped = {k: v for k, v in sub.skipped.items() if f" {k} " not in f" {sub.problem} "}
        if skipped:
            record.notes.append(_skipped_note(skipped))
        record.notes.extend(outcome.notes)
        notebooks = dict(outcome.notebooks)
        if outcome.error or not notebooks:
            reason = sub.problem or _short(outcome.error) or "grading produced no notebook"
            record.notes.append(reason)
            if not sub.problem:
                record.error = outcome.error
            notebooks = self._stand_ins(sub, reason)
        start = time.monotonic()
        try:
            self._store(sub, notebooks)
        except Exception as exc:  # noqa: BLE001
            record.error = f"could not record the grades: {_short(str(exc)) or type(exc).__name__}"
            record.notes.append(record.error)
        record.record_seconds = time.monotonic() - start
        record.notes.extend(_notes(notebooks))
        record.score, record.max_score = self._score(sub)
        self.records.append(record)

    def _stand_ins(self, sub: Submission, reason: str) -> dict[str, bytes]:
        import nbformat

        from .preprocessors import stand_in

        cd = self._coursedir()
        release = Path(cd.format_path(cd.release_directory, ".", sub.assignment))
        out = {}
        for path in sorted(release.glob("*.ipynb")):
            nb = stand_in(nbformat.read(path, as_version=4), reason)
            out[path.name] = nbformat.writes(nb).encode()
        if not out:
            raise RuntimeError(f"no released notebook in {release} to record {sub.student} with")
        return out

    def _store(self, sub: Submission, notebooks: dict[str, bytes]) -> None:
        """Phase B: let nbgrader's Autograde record the executed notebooks.

        nbgrader reads a staged copy of the submission (the regular files read
        out of it, and the executed notebooks) and writes into a private
        staging folder; the result is then moved into ``autograded/``.
        """
        from nbgrader.preprocessors import ClearOutput
        from traitlets.config import Config

        with tempfile.TemporaryDirectory(prefix="autograder-stage-") as tmp:
            stage = Path(tmp)
            folder = stage / "submitted" / sub.student / sub.assignment
            folder.mkdir(parents=True)
            _write_files(
                folder,
                {
                    name: data
                    for name, data in sub.files.items()
                    if not (name.endswith(".ipynb") and "/" not in name)
                },
            )
            for name, data in notebooks.items():
                _write_new(folder / name, data)
            cfg = Config(copy.deepcopy(self.config))
            cfg.CourseDirectory.submitted_directory = str(stage / "submitted")
            cfg.CourseDirectory.autograded_directory = str(stage / "autograded")
            sanitize, auto = _autograde_lists(cfg)
            cfg.Autograde.sanitize_preprocessors = [
                pp for pp in sanitize if not issubclass(_resolve(pp), ClearOutput)
            ]
            cfg.Autograde.autograde_preprocessors = _execute_prefix(auto)[1]
            coursedir = self._coursedir(cfg)
            coursedir.assignment_id = sub.assignment
            coursedir.student_id = sub.student
            log, buffer = _quiet_logger("record")
            app = safe_autograde_class()(coursedir=coursedir, config=cfg)
            app.log = log
            app.force = True
            app.create_student = True
            cwd = os.getcwd()
            with _gradebook_lock(self.root), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SQLAlchemy's chatter about nbgrader's sessions
                try:
                    app.start()
                except Exception as exc:
                    raise RuntimeError(nbgrader_cause(buffer.getvalue(), exc)) from exc
                finally:
                    os.chdir(cwd)
                cd = self._coursedir()
                _install(
                    stage / "autograded" / sub.student / sub.assignment,
                    Path(cd.format_path(cd.autograded_directory, sub.student, sub.assignment)),
                )
                _scrub(Path(cd.format_path(cd.feedback_directory, sub.student, sub.assignment)))

    def _score(self, sub: Submission) -> tuple[float, float]:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.db_url) as gb:
            try:
                s = gb.find_submission(sub.assignment, sub.student)
            except MissingEntry:
                return 0.0, 0.0
            return float(s.score), float(s.max_score)

    # ------------------------------------------------------------ reporting

    def summary(self) -> str:
        lines = []
        workers = sorted(self.sandboxes - {self.isolation})
        if workers:
            lines.append("kernel isolation on the workers: " + safe_text("; ".join(workers)))
        for assignment in sorted({r.assignment for r in self.records}):
            rows = sorted(
                (r for r in self.records if r.assignment == assignment), key=lambda r: r.student
            )
            lines.append(f"{safe_text(assignment)}: {len(rows)} submission(s)")
            names = {r.student: safe_text(r.student) for r in rows}
            width = max([7, *(len(n) for n in names.values())])
            for r in rows:
                status = "ERROR " if r.error else ""
                note = safe_text("; ".join(dict.fromkeys(r.notes)))
                lines.append(
                    f"  {names[r.student]:<{width}}  {r.score:>6g} / {r.max_score:<6g} "
                    f"{r.seconds:6.1f} s  {status}{note}"[:400]
                )
        return "\n".join(lines) if self.records else ""

    def report(self, assignment: str | None = None) -> str:
        records = [r for r in self.records if assignment is None or r.assignment == assignment]
        return json.dumps([dataclasses.asdict(r) for r in records], indent=2) + "\n"

    def write_report(self, path: Path, assignment: str | None = None) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, self.report(assignment).encode())


def _install(staged: Path, dest: Path) -> None:
    """Move nbgrader's output for one student into `dest`, replacing what is there.

    Only regular files and folders are copied, each created anew in a fresh
    folder next to `dest`, which then takes `dest`'s place by a rename: a link
    at `dest` or inside it is removed, never written through.
    """
    parent = _real_dir(dest.parent)
    fresh = Path(tempfile.mkdtemp(dir=parent, prefix=f".{dest.name[:40]}.new-"))
    try:
        for dirpath, dirnames, filenames in os.walk(staged):
            rel = Path(dirpath).relative_to(staged)
            for name in dirnames:
                if stat.S_ISDIR(os.lstat(Path(dirpath) / name).st_mode):
                    os.mkdir(fresh / rel / name)
            for name in filenames:
                src = Path(dirpath) / name
                st = os.lstat(src)
                if stat.S_ISREG(st.st_mode):
                    _write_new(fresh / rel / name, read_regular(src), stat.S_IMODE(st.st_mode))
                    os.chmod(fresh / rel / name, stat.S_IMODE(st.st_mode))
        os.chmod(fresh, 0o777 & ~_umask())
        if os.path.lexists(dest):
            if stat.S_ISDIR(os.lstat(dest).st_mode):
                old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{dest.name[:40]}.old-"))
                os.rename(dest, old / "x")
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.unlink(dest)
        os.rename(fresh, dest)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def _scrub(folder: Path) -> None:
    """Remove links and other non-regular files from a student's feedback folder.

    ``nbgrader generate_feedback`` writes there and would follow them.
    """
    for path in (folder.parent, folder):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(path)
            return
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            with contextlib.suppress(OSError):
                mode = os.lstat(path).st_mode
                if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                    os.unlink(path)


@contextlib.contextmanager
def _gradebook_lock(root: Path):
    """Hold an exclusive lock while writing the gradebook, across processes."""
    import fcntl

    folder = root / "autograded"
    folder.mkdir(exist_ok=True)
    path = folder / ".gradebook.lock"
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError:  # a link or something else that is not a lock file
        _remove(path)
        fd = os.open(path, flags, 0o644)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RuntimeError(f"{path} is not a regular file")
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_folder(folder: Path) -> dict[str, bytes]:
    """The regular files of `folder` (nbgrader's default size limits)."""
    return read_folder(folder, max_file_bytes=100_000 * 1000).files


def _problem(found: Folder, notebooks: list[str], max_kb: int = 0) -> str:
    """Say why a submission cannot be executed, or return ''."""
    import nbformat

    if "." in found.skipped:
        return f"the submission folder is {found.skipped['.']}: not graded"
    for name in notebooks:
        fname = f"{name}.ipynb"
        if fname not in found.files:
            why = found.skipped.get(fname)
            if fname in found.oversize:
                return size_limit_reason(fname, found.oversize[fname], max_kb)
            if why:
                return (
                    f"the submission's {fname} is {why}: not graded (only regular files are read)"
                )
            others = sorted({*found.files, *found.skipped})[:5]
            return f"the submission has no {fname}" + (
                f" (it has: {', '.join(others)})" if others else " (the folder is empty)"
            )
        data = found.files[fname]
        try:
            raw = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            return f"{fname}: the file is not text (is it really an .ipynb notebook?)"
        except ValueError:
            return f"{fname}: the file is not valid JSON (it may be truncated or not a notebook)"
        if not isinstance(raw, dict):
            return (
                f"{fname}: the file is JSON but not a notebook (its top level is "
                f"{'a list' if isinstance(raw, list) else type(raw).__name__}, not an object)"
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nb = nbformat.reads(data.decode("utf-8"), as_version=4)
            if not isinstance(nb.get("cells"), list):
                raise ValueError("no list of cells")
        except Exception as exc:  # noqa: BLE001
            from .preprocessors import _why_unreadable

            return f"{fname}: {_why_unreadable(exc)}"
    return ""


def _notes(notebooks: dict[str, bytes]) -> list[str]:
    """The reasons an instructor should read, as the grader recorded them in the executed
    notebooks' cell metadata (`preprocessors.NOTES`), plus the exceptions raised in
    solution cells. No note is found by matching the words of an output."""
    notes = []
    for data in notebooks.values():
        try:
            nb = json.loads(data)
        except ValueError:
            continue
        if not isinstance(nb, dict):
            continue
        for cell in nb.get("cells", []):
            if not isinstance(cell, dict) or not isinstance(cell.get("metadata"), dict):
                continue
            recorded = cell["metadata"].get(NOTES, [])
            notes += [n for n in recorded if isinstance(n, str)] if isinstance(recorded, list) else []
            meta = cell["metadata"].get("nbgrader", {})
            if not isinstance(meta, dict) or not meta.get("solution"):
                continue
            where = f"cell '{meta['grade_id']}'" if meta.get("grade_id") else "a cell"
            for out in cell.get("outputs", []):
                ename = out.get("ename", "") if isinstance(out, dict) else ""
                if out.get("output_type") == "error" and ename not in _NOT_NOTED:
                    notes.append(f"{ename} in {where}")
    return notes


#: Errors in a solution cell that say nothing an instructor needs: an unanswered
#: exercise, a cell not run, and the grader's own (already recorded as notes).
_NOT_NOTED = {
    "NotImplementedError",
    "NotRun",
    "DeadKernelError",
    "CellTimeoutError",
    "NotebookTimeoutError",
    "AutograderIntegrityError",
}


def _short(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    # No monitor thread: worker processes are forked while the bar is up.
    tqdm.monitor_interval = 0
    return tqdm(
        total=total,
        unit="nb",
        desc="grading",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=not enabled,
    )


def autograde(
    assignments: list[str],
    *,
    root: Path | None = None,
    jobs: int = 2,
    scheduler: str | None = None,
    db_url: str | None = None,
    force: bool = False,
    progress: bool = True,
    students: list[str] | None = None,
    report: Path | None = None,
    require_sandbox: bool = False,
    announce=None,
) -> Grader:
    """Grade every submission of `assignments`; return the Grader with its records.

    `announce` (e.g. ``print``) gets one line saying what isolation the
    kernels get, before anything is graded.
    """
    from ._notebook import course_root

    grader = Grader(
        root or course_root(),
        jobs=jobs,
        scheduler=scheduler,
        db_url=db_url,
        force=force,
        progress=progress,
        students=students,
        require_sandbox=require_sandbox,
    )
    grader.run(assignments, announce=announce)
    if report is None and grader.records:
        for assignment in assignments:
            if any(r.assignment == assignment for r in grader.records):
                grader.write_report(
                    grader.root / "autograded" / f"{assignment}.report.json", assignment
                )
    elif report is not None:
        grader.write_report(report)
    return grader
