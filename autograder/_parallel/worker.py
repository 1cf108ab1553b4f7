"""Phase A: one submission graded in a worker, and the worker processes' main
loop and test seams."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

from . import scratch as _scratch_course
from .files import _real_dir, _remove, _write_files, read_regular
from .scratch import (
    _LOCK,
    _autograde_lists,
    _course_dir,
    _ensure_path,
    _execute_prefix,
    _scratch_config,
    safe_autograde_class,
    start_quietly,
)
from .settings import SCRATCH_STUDENT, TEST_HOOK_ENV, WORKER_MARKER_ENV
from .tasks import Outcome, Task
from .text import isolation


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
        app = safe_autograde_class()(coursedir=coursedir, config=cfg)
        app.force = True
        app.create_student = True
        log, cause = start_quietly(app, "execute")
        if cause is not None:
            outcome.error = f"nbgrader could not grade the notebook: {cause}"
        outcome.log = log[-20000:]
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
    os.environ[WORKER_MARKER_ENV] = marker
    _scratch_course.use_root(Path(scratch))
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
