"""Grade every submission of an assignment in parallel, on this machine or a Dask cluster.

``nbgrader autograde`` grades one notebook after another. This module splits
its work in two phases so that the slow part runs in parallel and the
gradebook is still written by nbgrader alone:

A. **Execute** (in parallel). A worker process gets a task that carries
   everything it needs as bytes: the course's nbgrader configuration, the
   assignment's ``source/`` folder and the student's submission folder. It
   grades the submission in a private scratch course (its own copy of the
   source and its own gradebook, made once per assignment and reused), running
   nbgrader's sanitizers and the execute preprocessor (``SafeExecute``) through
   nbgrader's Python API. It sends back the executed notebooks. Because tasks
   carry bytes, Dask workers on other machines need no shared file system.

B. **Record** (serially, in this process). Each executed notebook goes through
   nbgrader's own ``Autograde`` converter on the real course, with the
   preprocessors that follow execution (``SaveAutoGrades`` and the rest) and
   without ``ClearOutput`` or the execute step. nbgrader therefore computes and
   stores every grade exactly as a serial ``nbgrader autograde`` would, and only
   one process ever writes the gradebook. A file lock keeps two grading
   commands from writing at once.

A submission that cannot be read, or has no notebook, gets a stand-in (the
released notebook with an error in every code cell that says why), so the
student is recorded with 0 and a reason instead of being dropped.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import copy
import dataclasses
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

from ._notebook import UsageError

#: Files larger than this in a submission folder are not sent to the workers.
MAX_FILE_BYTES = 50 << 20
#: Student id used inside the scratch courses of the workers.
SCRATCH_STUDENT = "student"


# --------------------------------------------------------------------------
# Tasks and outcomes (plain data, so they pickle for processes and Dask)


@dataclasses.dataclass
class Course:
    """A scratch course for one assignment, as bytes: what a worker unpacks and grades in.

    It holds the assignment's source folder, its release and a gradebook made
    by ``generate_assignment`` (done once, by the parent), and the
    configuration nbgrader loaded for the real course.
    """

    assignment: str
    config: object  # a traitlets Config
    files: dict[str, bytes]  # by path relative to the scratch course's root
    digest: str = ""

    def __post_init__(self):
        if not self.digest:
            h = hashlib.sha256(self.assignment.encode())
            h.update(repr(sorted(_config_repr(self.config))).encode())
            for name in sorted(self.files):
                h.update(name.encode() + b"\0" + self.files[name])
            self.digest = h.hexdigest()[:16]


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
    sandbox: str = ""  # the write sandbox on the worker's machine


def _config_repr(config) -> list[str]:
    out = []
    for section, values in dict(config).items():
        if hasattr(values, "items"):
            for key, value in values.items():
                out.append(f"{section}.{key}={value!r}")
    return out


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
    root = _scratch_root() / f"{course.assignment}-{course.digest}"
    if root.exists():
        shutil.rmtree(root)
    for name, data in course.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
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
                f"could not release {assignment} in a scratch course: {exc}\n{buffer.getvalue()}"
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


def grade_submission(task: Task) -> Outcome:
    """Phase A: execute one submission in this process's scratch course (worker side)."""
    with _LOCK:  # nbgrader changes the working directory: one submission at a time
        _ensure_path()
        return _grade_submission(task)


def _grade_submission(task: Task) -> Outcome:
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory

    from .limits import landlock_abi

    start = time.monotonic()
    course = task.course
    abi = landlock_abi()
    outcome = Outcome(
        course.assignment,
        task.student,
        worker=f"{os.uname().nodename}:{os.getpid()}",
        sandbox=f"Landlock ABI {abi} available"
        if abi
        else "none (no Landlock in this Linux kernel)",
    )
    cwd = os.getcwd()
    try:
        root = _course_dir(course)
        submitted = root / "submitted" / SCRATCH_STUDENT / course.assignment
        autograded = root / "autograded" / SCRATCH_STUDENT / course.assignment
        for folder in (submitted, autograded):
            if folder.exists():
                shutil.rmtree(folder)
        for name, data in task.files.items():
            path = submitted / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        cfg = _scratch_config(course.config, root)
        _, auto = _autograde_lists(cfg)
        cfg.Autograde.autograde_preprocessors, _ = _execute_prefix(auto)
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = course.assignment
        coursedir.student_id = SCRATCH_STUDENT
        log, buffer = _quiet_logger("execute")
        app = Autograde(coursedir=coursedir, config=cfg)
        app.log = log
        app.force = True
        app.create_student = True
        try:
            app.start()
        except Exception as exc:  # noqa: BLE001 - reported, and the student gets a stand-in
            outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.log = buffer.getvalue()[-20000:]
        if autograded.exists():
            for path in sorted(autograded.glob("*.ipynb")):
                outcome.notebooks[path.name] = path.read_bytes()
        if not outcome.notebooks and not outcome.error:
            outcome.error = "nbgrader produced no notebook"
        for folder in (submitted, autograded):
            shutil.rmtree(folder, ignore_errors=True)
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
    # what matters comes back in the outcome's log.

    warnings.simplefilter("ignore")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)


# --------------------------------------------------------------------------
# Phase B: the parent side


@dataclasses.dataclass
class Submission:
    assignment: str
    student: str
    folder: Path
    problem: str = ""  # why it cannot be executed (unreadable, no notebook)


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
    ):
        _ensure_path()
        self.root = Path(root).resolve()
        self.jobs = max(1, jobs)
        self.scheduler = scheduler
        self.force = force
        self.progress = progress
        self.only = set(students or [])
        self.config = self._load_config(db_url)
        self.db_url = self._db_url()
        self.records: list[Record] = []
        self.sandboxes: set[str] = set()

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
            if done.exists() and not self.force:
                continue
            out.append(Submission(assignment, student, folder, _problem(folder, notebooks)))
        return out

    def course(self, assignment: str) -> Course:
        cd = self._coursedir()
        return build_course(
            assignment, self.config, Path(cd.format_path(cd.source_directory, ".", assignment))
        )

    # ------------------------------------------------------------ running

    def run(self, assignments: list[str]) -> list[Record]:
        work: list[Task] = []
        ready: list[tuple[Submission, Outcome]] = []
        subs: dict[tuple[str, str], Submission] = {}
        found = {assignment: self.submissions(assignment) for assignment in assignments}
        for assignment, submissions in found.items():
            course = None
            for sub in submissions:
                subs[(assignment, sub.student)] = sub
                if sub.problem:
                    ready.append((sub, Outcome(assignment, sub.student, error=sub.problem)))
                    continue
                course = course or self.course(assignment)
                work.append(Task(course, sub.student, _read_folder(sub.folder)))
        total = len(work) + len(ready)
        bar = _progress(total, self.progress)
        try:
            for sub, outcome in ready:
                self._record(sub, outcome)
                bar.update(1)
            for outcome in self._execute(work):
                bar.set_postfix_str(f"{outcome.assignment}/{outcome.student}", refresh=False)
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
        """Run phase A in a pool of worker processes, surviving a crashed worker."""
        from concurrent.futures.process import BrokenProcessPool

        attempts = {id(t): 0 for t in tasks}
        pending = list(tasks)
        context = _worker_context()
        while pending:
            workers = min(self.jobs, len(pending))
            with cf.ProcessPoolExecutor(
                workers, mp_context=context, initializer=_init_worker
            ) as pool:
                futures = {pool.submit(grade_submission, t): t for t in pending}
                pending = []
                for future in cf.as_completed(futures):
                    task = futures[future]
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        attempts[id(task)] += 1
                        if attempts[id(task)] < 2:
                            pending.append(task)
                        else:
                            yield Outcome(
                                task.course.assignment,
                                task.student,
                                error="the grading worker process crashed twice on this submission",
                            )
                    except Exception as exc:  # noqa: BLE001
                        yield Outcome(task.course.assignment, task.student, error=repr(exc))

    def _execute_dask(self, tasks: list[Task]):
        """Run phase A on a Dask distributed cluster."""
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
        with client:
            futures = {}
            for task in tasks:
                future = client.submit(grade_submission, task, pure=False, retries=1)
                futures[future] = task
            for future in as_completed(futures):
                task = futures[future]
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker and the like
                    yield Outcome(
                        task.course.assignment,
                        task.student,
                        error=f"Dask: {type(exc).__name__}: {exc}",
                    )

    # ------------------------------------------------------------ phase B

    def _record(self, sub: Submission, outcome: Outcome) -> None:
        if outcome.sandbox:
            self.sandboxes.add(outcome.sandbox)
        record = Record(sub.assignment, sub.student, seconds=outcome.seconds, worker=outcome.worker)
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
            record.error = f"could not record the grades: {type(exc).__name__}: {exc}"
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
        """Phase B: let nbgrader's Autograde record the executed notebooks."""
        from nbgrader.converters import Autograde
        from nbgrader.preprocessors import ClearOutput
        from traitlets.config import Config

        with tempfile.TemporaryDirectory(prefix="autograder-stage-") as stage:
            folder = Path(stage) / sub.student / sub.assignment
            shutil.copytree(sub.folder, folder, symlinks=True)
            for path in folder.glob("*.ipynb"):
                path.unlink()
            for name, data in notebooks.items():
                (folder / name).write_bytes(data)
            cfg = Config(copy.deepcopy(self.config))
            cfg.CourseDirectory.submitted_directory = str(Path(stage))
            sanitize, auto = _autograde_lists(cfg)
            cfg.Autograde.sanitize_preprocessors = [
                pp for pp in sanitize if not issubclass(_resolve(pp), ClearOutput)
            ]
            cfg.Autograde.autograde_preprocessors = _execute_prefix(auto)[1]
            coursedir = self._coursedir(cfg)
            coursedir.assignment_id = sub.assignment
            coursedir.student_id = sub.student
            log, buffer = _quiet_logger("record")
            app = Autograde(coursedir=coursedir, config=cfg)
            app.log = log
            app.force = True
            app.create_student = True
            cwd = os.getcwd()
            with _gradebook_lock(self.root), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SQLAlchemy's chatter about nbgrader's sessions
                try:
                    app.start()
                except Exception as exc:
                    raise RuntimeError(f"{exc}\n{buffer.getvalue()[-3000:]}") from exc
                finally:
                    os.chdir(cwd)

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
        if self.sandboxes:
            lines.append("write sandbox on the workers: " + "; ".join(sorted(self.sandboxes)))
        for assignment in sorted({r.assignment for r in self.records}):
            rows = sorted(
                (r for r in self.records if r.assignment == assignment), key=lambda r: r.student
            )
            lines.append(f"{assignment}: {len(rows)} submission(s)")
            width = max([7, *(len(r.student) for r in rows)])
            for r in rows:
                status = "ERROR " if r.error else ""
                note = "; ".join(dict.fromkeys(r.notes))
                lines.append(
                    f"  {r.student:<{width}}  {r.score:>6g} / {r.max_score:<6g} {r.seconds:6.1f} s  "
                    f"{status}{note}"[:240]
                )
        return "\n".join(lines)

    def write_report(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([dataclasses.asdict(r) for r in self.records], indent=2) + "\n")


@contextlib.contextmanager
def _gradebook_lock(root: Path):
    """Hold an exclusive lock while writing the gradebook, across processes."""
    import fcntl

    folder = root / "autograded"
    folder.mkdir(exist_ok=True)
    with open(folder / ".gradebook.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_folder(folder: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if ".ipynb_checkpoints" in rel.parts or path.is_symlink() or not path.is_file():
            continue
        if path.stat().st_size <= MAX_FILE_BYTES:
            files[str(rel)] = path.read_bytes()
    return files


def _problem(folder: Path, notebooks: list[str]) -> str:
    """Say why a submission folder cannot be executed, or return ''."""
    import nbformat

    for name in notebooks:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            found = sorted(p.name for p in folder.iterdir())[:5]
            return f"the submission has no {name}.ipynb" + (
                f" (it has: {', '.join(found)})" if found else " (the folder is empty)"
            )
        try:
            nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
            if not isinstance(nb.get("cells"), list):
                raise ValueError("no list of cells")
        except Exception as exc:  # noqa: BLE001
            from .preprocessors import _why_unreadable

            return f"{name}.ipynb: {_why_unreadable(exc)}"
    return ""


_NOTE_ERRORS = {"DeadKernelError", "CellTimeoutError", "AutograderIntegrityError"}


def _notes(notebooks: dict[str, bytes]) -> list[str]:
    """Pull the reasons an instructor should read out of the executed notebooks."""
    notes = []
    for data in notebooks.values():
        try:
            nb = json.loads(data)
        except ValueError:
            continue
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            where = f"cell '{meta['grade_id']}'" if meta.get("grade_id") else "a cell"
            for out in cell.get("outputs", []):
                kind = out.get("output_type")
                ename = out.get("ename", "")
                if kind == "error" and ename == "CellTimeoutError" and not out.get("evalue"):
                    notes.append(f"{where} ran past the cell time limit")
                elif kind == "error" and ename in _NOTE_ERRORS:
                    notes.append(out.get("evalue", ""))
                elif (
                    kind == "error"
                    and meta.get("solution")
                    and ename not in ("NotImplementedError", "NotRun")
                ):
                    notes.append(f"{ename} in {where}")
                text = "".join(out.get("text", "")) if kind == "stream" else ""
                if "[autograder: output cut off" in text:
                    notes.append(f"output cut off in {where}")
                if "changed the grading machinery" in text:
                    notes.append("the notebook changed the grading machinery")
            source = "".join(cell.get("source", ""))
            if source.startswith("*autograder: the cell `"):
                notes.append(source.strip("*").split(";")[0].replace("autograder: ", ""))
    return notes


def _short(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""


def _progress(total: int, enabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        enabled = False
    if enabled:
        # No monitor thread: worker processes are forked while the bar is up.
        tqdm.monitor_interval = 0
    else:

        class _Null:
            def update(self, n=1):
                pass

            def set_postfix_str(self, *a, **k):
                pass

            def close(self):
                pass

        return _Null()
    return tqdm(total=total, unit="nb", desc="grading", file=sys.stderr, dynamic_ncols=True)


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
) -> Grader:
    """Grade every submission of `assignments`; return the Grader with its records."""
    from ._notebook import course_root

    grader = Grader(
        root or course_root(),
        jobs=jobs,
        scheduler=scheduler,
        db_url=db_url,
        force=force,
        progress=progress,
        students=students,
    )
    grader.run(assignments)
    if report is None and grader.records:
        for assignment in assignments:
            grader_report = grader.root / "autograded" / f"{assignment}.report.json"
            records = [r for r in grader.records if r.assignment == assignment]
            grader_report.parent.mkdir(parents=True, exist_ok=True)
            grader_report.write_text(
                json.dumps([dataclasses.asdict(r) for r in records], indent=2) + "\n"
            )
    elif report is not None:
        grader.write_report(report)
    return grader
