"""The Grader: finds the submissions, runs phase A on local workers or a Dask
cluster, and records (phase B, in :mod:`.records`)."""

from __future__ import annotations

import contextlib
import copy
import os
from pathlib import Path

from .._notebook import UsageError
from .dask import execute as dask_execute
from .files import read_folder
from .pool import WorkerPool
from .records import Recording
from .scratch import _ensure_path, _quiet_logger, build_course
from .settings import DEADLINE_MARGIN, DEFAULT_NOTEBOOK_TIMEOUT, NO_LIMIT_DEADLINE
from .store import _problem
from .tasks import Course, Outcome, Record, Submission, Task, worker_config
from .text import _progress, isolation, safe_text
from .worker import _test_hooks


class Grader(Recording):
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
            app.log = _quiet_logger("config")
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
            from ..preprocessors import SafeExecute

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
        """Run phase A on a Dask distributed cluster (see :func:`.dask.execute`)."""
        yield from dask_execute(self.scheduler, self.worker_deadline, tasks)
