"""Tasks and outcomes (plain data, so they pickle for processes and Dask), the
workers' configuration, and what the parent keeps per submission."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from pathlib import Path


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
