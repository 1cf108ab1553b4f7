"""nbgrader plug-ins that keep grading safe and keep every student on the books.

``nbgrader_config.py`` puts these into ``nbgrader autograde``, so plain
nbgrader benefits as much as ``python -m autograder autograde``:

* :class:`SafeExecute` replaces nbgrader's ``Execute``. It runs each kernel
  under :mod:`autograder.limits`, arms the grade guard (:mod:`autograder._guard`)
  before the notebook's first cell, caps each cell's output, survives a dying
  kernel (the cells that ran keep their grades; the rest get an error that says
  which cell the kernel died in), and gives 0 to a test cell whose score the
  autograder did not sign.
* :class:`RepairCells` runs before nbgrader's sanitizers. It removes the
  nbgrader metadata from duplicated cells and from cells whose ``grade_id``
  the gradebook does not know (stock nbgrader aborts the whole run on some of
  these), and puts back locked and graded cells a student deleted.
* :class:`TolerantExporter` turns a submission that cannot be read (not JSON,
  a wrong nbformat) into a stand-in notebook that records 0 for every graded
  cell, with the reason, instead of an error that drops the student.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbconvert.exporters import NotebookExporter
from nbformat.notebooknode import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from . import _guard
from ._notebook import NOTES
from .kernel import LimitedKernelManager
from .limits import Limits, format_size, parse_size


def add_note(cell, text: str) -> None:
    """Record, in `cell`'s metadata, a reason the instructor's report should show."""
    notes = cell.setdefault("metadata", {}).setdefault(NOTES, [])
    if text not in notes:
        notes.append(text)


def _note_and_show(cell, note: str, line: str, outputs=None, stream: str = "stdout") -> None:
    """Add `note` to `cell` for the report, and show ``[autograder: line]`` in its output.

    The line goes on a line of its own at the end of `outputs` (default: the
    cell's outputs), as text written to `stream`.
    """
    add_note(cell, note)
    if outputs is None:
        outputs = cell.setdefault("outputs", [])
    outputs.append(nbformat.v4.new_output("stream", name=stream, text=f"\n[autograder: {line}]\n"))


def _error(ename: str, message: str) -> NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=message, traceback=[message])


def _payload_size(content) -> int:
    """Bytes of output a message carries (text and data of every kind)."""
    size = 0
    if not isinstance(content, dict):
        return len(str(content))
    text = content.get("text")
    if isinstance(text, str):
        size += len(text)
    for key in ("data", "metadata", "state"):
        value = content.get(key)
        if isinstance(value, dict):
            for item in value.values():
                size += len(item) if isinstance(item, str) else len(json.dumps(item, default=str))
    traceback = content.get("traceback")
    if isinstance(traceback, list):
        size += sum(len(line) for line in traceback if isinstance(line, str))
    return size


def _verdicts_only(msg):
    """A stream message cut down to the seal's verdict lines (tiny, and never dropped)."""
    if msg.get("msg_type") != "stream":
        return None
    text = msg.get("content", {}).get("text", "")
    if not isinstance(text, str) or "[autograder verdict" not in text:
        return None
    lines = "".join(m.group(0).rstrip("\n") + "\n" for m in _guard.VERDICT.finditer(text))
    if not lines:
        return None
    return {**msg, "content": {**msg["content"], "text": lines[:4096]}}


def _is_test_cell(cell) -> bool:
    return cell.cell_type == "code" and nbutils.is_grade(cell) and not nbutils.is_solution(cell)


def _label(cell, index: int) -> str:
    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"'{gid}' (cell {index + 1})" if gid else f"{index + 1}"


# --------------------------------------------------------------------------
# Executing a notebook


class SafeExecute(Execute):
    """nbgrader's Execute, with limits, a grade guard, and no silent kernel deaths."""

    memory_limit = Unicode(
        "2G", help="Resident memory of a grading kernel and its children (e.g. 2G; 0: none)"
    ).tag(config=True)
    address_space_limit = Unicode(
        "8G", help="Virtual memory of each process (RLIMIT_AS; 0: none)"
    ).tag(config=True)
    task_limit = Integer(256, help="Threads plus processes of a kernel (0: none)").tag(config=True)
    cpu_limit = Float(600.0, help="CPU seconds for a whole notebook (0: none)").tag(config=True)
    output_limit = Unicode("1M", help="Output recorded per cell (0: none)").tag(config=True)
    file_size_limit = Unicode("256M", help="Largest file a kernel may write").tag(config=True)
    sandbox = Bool(
        True,
        help="Run each kernel in namespaces and a cgroup (bubblewrap); Landlock where they are missing",
    ).tag(config=True)
    guard = Bool(True, help="Arm the grade guard and check the signatures of scores").tag(
        config=True
    )
    require_sandbox = Bool(
        False, help="Refuse to grade when the kernel cannot get namespaces and a cgroup"
    ).tag(config=True)
    notebook_timeout = Float(
        1800.0, help="Seconds of wall-clock time for a whole notebook (0: none)"
    ).tag(config=True)
    notebook_output_limit = Unicode(
        "16M", help="Output kept for a whole notebook, every message type counted (0: none)"
    ).tag(config=True)
    test_deadline = Float(
        3.0,
        help="Seconds one hidden test may run before it is reported as stuck (a test's "
        "@pytest.mark.deadline overrides it)",
    ).tag(config=True)
    exercise_budget = Float(
        8.0, help="Seconds one exercise may lose to stuck tests before its other tests are skipped"
    ).tag(config=True)
    interrupt_grace = Float(
        5.0, help="Seconds a kernel gets to stop after the cell timeout before it is killed"
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", LimitedKernelManager)
        super().__init__(*args, **kwargs)

    def limits(self) -> Limits:
        limits = self._limits()
        if hasattr(limits, "require_sandbox"):
            limits.require_sandbox = self.require_sandbox
        return limits

    def _limits(self) -> Limits:
        return Limits(
            memory=parse_size(self.memory_limit),
            address_space=parse_size(self.address_space_limit),
            tasks=self.task_limit or None,
            cpu_seconds=self.cpu_limit or None,
            output_bytes=parse_size(self.output_limit),
            file_size=parse_size(self.file_size_limit),
            sandbox=self.sandbox,
        )

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, LimitedKernelManager):
            km.limits = self.limits()
        return km

    # ------------------------------------------------------------ the run

    def preprocess(self, nb, resources=None, km=None):
        from nbclient.client import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.iopub_timeout = max(self.iopub_timeout, int(self.interrupt_grace))
        self._output_used: dict[int, int] = {}
        self._truncated: set[tuple[int, str]] = set()
        self._output_cap = parse_size(self.output_limit)
        self._notebook_cap = parse_size(self.notebook_output_limit)
        self._notebook_used = 0
        self._notebook_cut = False
        self._deadline = time.monotonic() + self.notebook_timeout if self.notebook_timeout else None
        for cell in nb.cells:
            # Only the grader writes notes: drop any the submission brought.
            if isinstance(cell.get("metadata"), dict):
                cell.metadata.pop(NOTES, None)
        ids = (resources or {}).get("nbgrader", {})
        for text in REPAIRED.pop((ids.get("student"), ids.get("assignment")), []):
            if nb.cells:
                add_note(nb.cells[0], text)
        skipped = SKIPPED_FILES.pop((ids.get("student"), ids.get("assignment")), None)
        if skipped:
            nb.cells.insert(0, skipped_files_cell(skipped))
        unreadable = nb.metadata.get("autograder", {}).get("unreadable")
        if unreadable:
            self._not_run(nb.cells, f"not run: {unreadable}")
            return nb, self.resources

        key = _guard.new_key() if self.guard else None
        self._km_used = None
        self._arm_error = None
        try:
            self._run_cells(resources, key)
        finally:
            if isinstance(self._km_used, LimitedKernelManager):
                # Sweep and clean up even if nbclient's own cleanup was cut short.
                self._km_used.release()
        if key is not None:
            self._verify(key, self._arm_error)
        return self.nb, self.resources

    def _run_cells(self, resources, key) -> None:
        """Run every cell; after a kernel death, mark the rest as not run."""
        death = None
        with self.setup_kernel():
            self._km_used = self.km
            info = self.wait_for_reply(self.kc.kernel_info())
            if info is not None:
                self.nb.metadata["language_info"] = info["content"]["language_info"]
            if key is not None:
                self._arm_error = self._arm(key)
            for index, cell in enumerate(self.nb.cells):
                if death:
                    self._not_run([cell], f"not run: {death}")
                    continue
                if self._deadline is not None and time.monotonic() >= self._deadline:
                    death = (
                        f"the notebook used up its {self.notebook_timeout:g} s of wall-clock "
                        f"time before cell {_label(cell, index)}"
                    )
                    self._not_run([cell], f"not run: {death}")
                    continue
                hits = self._task_limit_hits()
                try:
                    self.preprocess_cell(cell, resources, index)
                except DeadKernelError:
                    death = f"kernel died in cell {_label(cell, index)}: {self.km.death_reason()}"
                    add_note(cell, death)
                    # First, so that nbgrader (which reads the first error or
                    # result) scores the cell by it.
                    cell.setdefault("outputs", []).insert(0, _error("DeadKernelError", death))
                except CellTimeoutError:
                    # The kernel ignored the interrupt at the cell timeout.
                    run_sync(self.km.shutdown_kernel)(now=True)
                    death = (
                        f"kernel stopped in cell {_label(cell, index)}: it did not respond "
                        f"within {self.interrupt_grace:g} s of being interrupted at the "
                        f"{self._get_timeout(cell)} s time limit"
                    )
                    add_note(cell, death)
                    cell.setdefault("outputs", []).insert(0, _error("CellTimeoutError", death))
                if self._task_limit_hits() > hits and cell.cell_type == "code":
                    tasks = (getattr(self.km, "limits", None) or Limits()).tasks
                    _note_and_show(
                        cell,
                        f"cell {_label(cell, index)} reached the limit of {tasks} threads "
                        "and processes",
                        f"this cell reached the notebook's limit of {tasks} threads and "
                        "processes; starting more failed",
                    )
                if (
                    not death
                    and self._deadline is not None
                    and time.monotonic() >= self._deadline
                    and cell.cell_type == "code"
                ):
                    death = (
                        f"the notebook used up its {self.notebook_timeout:g} s of wall-clock "
                        f"time in cell {_label(cell, index)}"
                    )
                    add_note(cell, death)
                    cell.setdefault("outputs", []).insert(0, _error("NotebookTimeoutError", death))
            self.set_widgets_metadata()

    def _task_limit_hits(self) -> int:
        """How often the kernel's cgroup refused a new thread or process (0 without one)."""
        group = getattr(getattr(self, "km", None), "cgroup", None)
        if group is None:
            return 0
        try:
            with open(group._file("pids", "pids.events")) as fh:
                for line in fh:
                    if line.startswith("max "):
                        return int(line.split()[1])
        except (OSError, ValueError, KeyError, AttributeError):
            return 0
        return 0

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        deadline = getattr(self, "_deadline", None)
        if deadline is None:
            return timeout
        left = max(1, int(deadline - time.monotonic() + 0.999))
        return left if timeout is None else min(timeout, left)

    def process_message(self, msg, cell, cell_index):
        """Count every message's payload against the notebook's output budget."""
        cap = getattr(self, "_notebook_cap", None)
        kind = msg.get("msg_type", "")
        if cap and kind not in ("status", "execute_input", "clear_output"):
            self._notebook_used += _payload_size(msg.get("content", {}))
            if self._notebook_used > cap and kind not in ("error",):
                if not self._notebook_cut:
                    self._notebook_cut = True
                    _note_and_show(
                        cell,
                        f"output cut off: the notebook wrote more than {format_size(cap)}",
                        f"output cut off here: the notebook wrote more than {format_size(cap)} "
                        "in all",
                    )
                if kind == "execute_result" and _payload_size(msg.get("content", {})) <= 65536:
                    return super().process_message(msg, cell, cell_index)
                kept = _verdicts_only(msg)
                if kept is not None:
                    return super().process_message(kept, cell, cell_index)
                return None
        return super().process_message(msg, cell, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):  # noqa: ASYNC109 - nbclient's signature
        if cell is not None:
            index = next((i for i, c in enumerate(self.nb.cells) if c is cell), -1)
            add_note(cell, f"{_label(cell, index)} ran past the cell time limit ({timeout} s)")
        return await super()._async_handle_timeout(timeout, cell)

    def _not_run(self, cells, message: str) -> None:
        for cell in cells:
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [_error("NotRun", message)]

    # ------------------------------------------------------------ output cap

    def output(self, outs, msg, display_id, cell_index):
        cap = self._output_cap
        if not cap:
            return super().output(outs, msg, display_id, cell_index)
        content = msg.get("content", {})
        if msg["msg_type"] == "stream":
            size = len(content.get("text", ""))
        else:
            size = len(json.dumps(content.get("data", content), default=str))
        used = self._output_used.get(cell_index, 0)
        if used + size <= cap:
            self._output_used[cell_index] = used + size
            return super().output(outs, msg, display_id, cell_index)
        stream = content.get("name", "stdout") if msg["msg_type"] == "stream" else "stdout"
        if (cell_index, stream) not in self._truncated:
            self._truncated.add((cell_index, stream))
            cell = self.nb.cells[cell_index]
            _note_and_show(
                cell,
                f"output cut off in {_label(cell, cell_index)}",
                f"output cut off here: this cell wrote more than {format_size(cap)}",
                outs,
                stream,
            )
        if msg["msg_type"] in ("execute_result", "error") and size <= 65536:
            return super().output(outs, msg, display_id, cell_index)
        kept = _verdicts_only(msg)
        if kept is not None:
            return super().output(outs, kept, display_id, cell_index)
        return None

    # ------------------------------------------------------------ the guard

    def _arm(self, key: bytes) -> str | None:
        assignment = (self.resources or {}).get("nbgrader", {}).get("assignment")
        settings = {"deadline": self.test_deadline, "budget": self.exercise_budget}
        share = getattr(self.km, "share", None)
        if callable(share):
            data = _guard.bundle(key, assignment, settings)
            path = share(f"guard-{uuid.uuid4().hex}.json", data)
            host_path = None
        else:
            folder = getattr(self.km, "private_dir", None) or tempfile.gettempdir()
            path = host_path = _guard.write_key(key, folder, assignment, settings)
        try:
            return run_sync(self._async_arm)(path)
        finally:
            if host_path and os.path.exists(host_path):
                os.unlink(host_path)

    async def _async_arm(self, path: str) -> str | None:
        msg_id = self.kc.execute(_guard.arm_code(path), silent=True, store_history=False)
        try:
            reply = await asyncio.wait_for(self.async_wait_for_reply(msg_id), self.timeout or 60)
        except TimeoutError:
            return "the grade seal did not answer"
        if reply is None:
            return "the grade seal did not answer"
        content = reply["content"]
        if content.get("status") != "ok":
            return f"the grade seal could not be installed: {content.get('ename')}: {content.get('evalue')}"
        return None

    def _verify(self, key: bytes, arm_error: str | None) -> None:
        """Make every hidden-test cell show the score its verified verdict gives, or 0.

        What a cell printed or returned itself counts for nothing: only a
        verdict line signed by the seal for that cell's exercise does.
        """
        for cell in self.nb.cells:
            if cell.cell_type != "code":
                continue
            text = "".join(
                o.get("text", "")
                for o in cell.get("outputs", [])
                if o.get("output_type") == "stream"
            )
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    output.text = _guard.strip_signatures(output.text)
            if not _is_test_cell(cell):
                continue
            call = _guard.CHECK_CALL.search(cell.source)
            if not call:
                continue
            gid = cell.metadata["nbgrader"]["grade_id"]
            found = [] if arm_error else _guard.verified(key, call["a"], call["e"], call["p"], text)
            scores = [score for score, _ in found]
            if any(tampered for _, tampered in found):
                add_note(cell, f"the notebook changed the grading machinery ({gid}: 0 points)")
            if not scores:
                why = arm_error or (
                    "no verified result: the hidden tests of this cell did not report a "
                    "score through the grader's seal (the cell was changed, did not reach "
                    "autograder.check, or its output was suppressed)"
                )
                self.log.warning("Zeroing cell %r: %s", gid, why)
                add_note(cell, f"{gid}: 0 points: {why}")
                # nbgrader scores a cell by its first error or result: put this first.
                cell.outputs.insert(0, _error("AutograderIntegrityError", f"0 points: {why}"))
                continue
            score = min(scores)
            failed = any(
                o.get("output_type") == "error"
                or o.get("output_type") == "stream"
                and o.get("name") == "stderr"
                for o in cell.outputs
            )
            if failed:
                continue  # a visible test failed: nbgrader gives 0, as it should
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "execute_result"]
            cell.outputs.insert(
                0,
                nbformat.v4.new_output(
                    "execute_result", data={"text/plain": repr(score)}, execution_count=None
                ),
            )


# --------------------------------------------------------------------------
# Repairing cell metadata before nbgrader's sanitizers


def _converter(preprocessor):
    exporter = getattr(preprocessor, "parent", None)
    return getattr(exporter, "parent", None)


def _release_notebook(owner, assignment: str, notebook: str) -> Path:
    converter = owner if hasattr(owner, "coursedir") else _converter(owner)
    coursedir = getattr(converter, "coursedir", None)
    if coursedir is not None:
        folder = coursedir.format_path(coursedir.release_directory, ".", assignment)
    else:
        folder = os.path.join("release", assignment)
    return Path(folder) / f"{notebook}.ipynb"


class RepairCells(NbGraderPreprocessor):
    """Fix the cell metadata a student broke, so that nbgrader can grade the rest."""

    restore_missing = Bool(
        True, help="Put back locked and graded cells that are missing from a submission"
    ).tag(config=True)

    def preprocess(self, nb, resources):
        self._resources = resources
        ids = resources["nbgrader"]
        REPAIRED.pop((ids.get("student"), ids.get("assignment")), None)
        with Gradebook(ids["db_url"]) as gb:
            try:
                source_nb = gb.find_notebook(ids["notebook"], ids["assignment"])
            except MissingEntry:
                return nb, resources
            known = {
                c.name: {
                    "cell_type": c.cell_type,
                    "locked": c.locked,
                    "source": c.source,
                    "checksum": c.checksum,
                }
                for c in source_nb.source_cells
            }
            points = {c.name: float(c.max_score) for c in source_nb.grade_cells}
            solutions = {c.name for c in source_nb.solution_cells}
            tasks = {c.name for c in source_nb.task_cells}

        def canonical(gid):
            meta = {
                "grade": gid in points,
                "grade_id": gid,
                "locked": known[gid]["locked"],
                "schema_version": 3,
                "solution": gid in solutions,
                "task": gid in tasks,
            }
            if gid in points:
                meta["points"] = points[gid]
            return meta

        present: set[str] = set()
        for cell in reversed(nb.cells):  # like nbgrader: the last copy of a duplicate wins
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta is None:
                continue
            gid = meta.get("grade_id") if isinstance(meta, dict) else None
            if gid not in known or gid in present:
                why = "a duplicate of" if gid in present else "unknown to the gradebook:"
                self.log.warning("Removing nbgrader metadata from a cell %s %r", why, gid)
                del cell.metadata["nbgrader"]
                continue
            present.add(gid)
            want = canonical(gid)
            fields = ("grade", "locked", "schema_version", "solution", "task", "points")
            if any(meta.get(k) != want.get(k) for k in fields if k in want or k in meta):
                self.log.warning("Restoring the nbgrader metadata of cell %r", gid)
                extra = {k: v for k, v in meta.items() if k in ("checksum", "cell_type")}
                cell.metadata["nbgrader"] = {**want, **extra}
        if self.restore_missing:
            self._restore(nb, ids, known, points, canonical, present)
        return nb, resources

    def _restore(self, nb, ids, known, points, canonical, present) -> None:
        missing = [g for g in known if g not in present and (known[g]["locked"] or g in points)]
        if not missing:
            return
        order = list(known)
        release = _release_notebook(self, ids["assignment"], ids["notebook"])
        if release.exists():
            with open(release, encoding="utf-8") as fh:
                ref = nbformat.read(fh, as_version=4)
            ref_order = [
                c.metadata["nbgrader"]["grade_id"]
                for c in ref.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") in known
            ]
            order = ref_order + [g for g in known if g not in ref_order]
        for gid in [g for g in order if g in missing]:
            data = known[gid]
            if data["cell_type"] == "code":
                cell = nbformat.v4.new_code_cell(data["source"])
            else:
                cell = nbformat.v4.new_markdown_cell(data["source"])
            cell.metadata["nbgrader"] = {**canonical(gid), "checksum": data["checksum"]}
            if data["locked"]:
                cell.metadata["editable"] = False
                cell.metadata["deletable"] = False
            notice = nbformat.v4.new_markdown_cell(
                f"*autograder: the cell `{gid}` was missing from this submission; "
                "it was put back from the assignment.*"
            )
            position = 0
            before = order[: order.index(gid)]
            for index, existing in enumerate(nb.cells):
                egid = existing.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if egid in before:
                    position = index + 1
            nb.cells[position:position] = [notice, cell]
            ids = (self._resources or {}).get("nbgrader", {})
            REPAIRED.setdefault((ids.get("student"), ids.get("assignment")), []).append(
                f"the cell '{gid}' was missing and was put back from the assignment"
            )
            present.add(gid)
            self.log.warning("Put back the missing cell %r", gid)


# --------------------------------------------------------------------------
# Reading submissions


def stand_in(release_nb, reason: str):
    """Return a copy of the released notebook that records `reason` and is never run.

    Every code cell carries an error that says why, so that every graded cell
    scores 0 even where nothing executes it.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    nb.metadata.setdefault("autograder", {})["unreadable"] = reason
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [_error("NotRun", f"not run: {reason}")]
    nb.cells.insert(
        0,
        nbformat.v4.new_markdown_cell(
            f"**autograder: this submission could not be graded: {reason}.** "
            "Every graded cell scores 0. What follows is the released assignment."
        ),
    )
    return nb


#: (student, assignment) -> what RepairCells put back, for SafeExecute to record as notes
#: (both run in one nbgrader process, RepairCells first).
REPAIRED: dict[tuple[str, str], list[str]] = {}

#: (student, assignment) -> the files of a submission folder that were not copied
#: for grading, filled by :func:`regular_files_only` and turned into a note at the
#: top of that student's graded notebook by :class:`SafeExecute`.
SKIPPED_FILES: dict[tuple[str, str], list[str]] = {}


def skipped_files_cell(names: list[str]) -> NotebookNode:
    """A markdown cell that tells the student (and the feedback) what was not copied."""
    # A name is the student's text: no backtick may end the code span, no line break.
    clean = [" ".join(n.replace("`", "'").split())[:200] for n in names[:20]]
    shown = ", ".join(f"`{n}`" for n in clean) + (" and more" if len(names) > 20 else "")
    return nbformat.v4.new_markdown_cell(
        f"**[autograder]** These files of your submission were not copied for grading, "
        f"because only regular files are: {shown}. If your notebook needs a file, submit the "
        f"file itself, not a link to it."
    )


def regular_files_only(find_all_files):
    """Wrap nbgrader's find_all_files so that a submission's links and special files are skipped.

    Stock nbgrader copies every file of a submission folder with shutil.copy,
    which follows a symbolic link (to the hidden suite, the master, another
    student's notebook) and blocks on a named pipe. ``nbgrader_config.py``
    installs this in plain ``nbgrader autograde``; the parallel grader reads
    regular files only by itself.
    """
    import logging
    import stat as _stat

    def find(path, exclude=None):
        kept = []
        folder = os.path.abspath(str(path))
        # submitted/<student>/<assignment>: the note goes into that student's notebook.
        owner = (os.path.basename(os.path.dirname(folder)), os.path.basename(folder))
        for name in find_all_files(path, exclude):
            try:
                mode = os.lstat(name).st_mode
            except OSError:
                continue
            if _stat.S_ISREG(mode):
                kept.append(name)
            else:
                what = "a symbolic link" if _stat.S_ISLNK(mode) else "not a regular file"
                SKIPPED_FILES.setdefault(owner, []).append(
                    f"{os.path.relpath(name, folder)} ({what})"
                )
                logging.getLogger("autograder").warning(
                    "Skipping %s: not a regular file (a link, a pipe or a device)", name
                )
        return kept

    find.__wrapped__ = find_all_files
    return find


class TolerantExporter(NotebookExporter):
    """Read a submission; if it cannot be read, grade a stand-in that says why."""

    def from_file(self, file_stream, resources=None, **kw):
        try:
            name = getattr(file_stream, "name", None)
            if isinstance(name, str) and os.path.islink(name):
                # Graded through the link, the master itself could be "submitted".
                raise _TooLarge(
                    f"{os.path.basename(name)} is a symbolic link, not a notebook: not graded"
                )
            data = file_stream.read()
            coursedir = getattr(self.parent, "coursedir", None)
            max_kb = getattr(coursedir, "max_file_size", None)
            if max_kb and len(data) > max_kb * 1000:
                # The parallel grader refuses it in the same words (one rule, both paths).
                from ._notebook import size_limit_reason

                name = os.path.basename(getattr(file_stream, "name", "") or "the notebook")
                raise _TooLarge(size_limit_reason(name, len(data), max_kb))
            nb = nbformat.reads(data, as_version=4)
            if not isinstance(nb.get("cells"), list):
                raise ValueError("it has no list of cells")
        except Exception as exc:  # noqa: BLE001 - any unreadable file gets a stand-in
            reason = _why_unreadable(exc)
            ids = (resources or {}).get("nbgrader", {})
            release = _release_notebook(
                self.parent, ids.get("assignment", ""), ids.get("notebook", "")
            )
            if not ids or not release.exists():
                raise
            self.log.error("A submission cannot be read (%s): grading a stand-in", reason)
            with open(release, encoding="utf-8") as fh:
                nb = stand_in(nbformat.read(fh, as_version=4), reason)
        return self.from_notebook_node(nb, resources=resources, **kw)


class _TooLarge(ValueError):
    """A submission over nbgrader's size limit."""


def _why_unreadable(exc: BaseException) -> str:
    if isinstance(exc, _TooLarge):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, UnicodeDecodeError):
        return "the file is not text (is it really an .ipynb notebook?)"
    name = type(exc).__name__
    if "JSON" in name or isinstance(exc, json.JSONDecodeError):
        return "the file is not valid JSON (it may be truncated or not a notebook)"
    if "version" in text.lower() or "nbformat" in text.lower():
        return f"the notebook format is not supported ({text[:120]})"
    return f"the file is not a readable notebook ({name}: {text[:120]})"
