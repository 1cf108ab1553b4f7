"""Phase B: recording each executed notebook through nbgrader's own Autograde
converter, and the summary and report."""

from __future__ import annotations

import copy
import dataclasses
import json
import tempfile
import time
from pathlib import Path

from .files import _skipped_note, _write_files, _write_new, replace_file
from .scratch import (
    safe_autograde_class,
    start_quietly,
)
from .store import _gradebook_lock, _install, _notes, _scrub, _short
from .tasks import Outcome, Record, Submission
from .text import safe_text


class Recording:
    """The Grader's recording half (phase B); mixed into :class:`Grader`."""

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

        from ..preprocessors import stand_in

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
        from nbgrader.apps import AutogradeApp
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
            # nbgrader's own `--no-execute` switch: Execute (SafeExecute is one)
            # and ClearOutput turn themselves off; the rest run as they would.
            cfg.merge(Config(AutogradeApp.flags["no-execute"][0]))
            coursedir = self._coursedir(cfg)
            coursedir.assignment_id = sub.assignment
            coursedir.student_id = sub.student
            app = safe_autograde_class()(coursedir=coursedir, config=cfg)
            app.force = True
            app.create_student = True
            with _gradebook_lock(self.root):
                _, cause = start_quietly(app, "record")
                if cause is not None:
                    raise RuntimeError(cause)
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
