"""Installing nbgrader's output, the gradebook lock, and a submission's problems
and notes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
import warnings
from pathlib import Path

from .._notebook import NOTES, size_limit_reason
from .files import Folder, _real_dir, _remove, _umask, _write_new, read_folder, read_regular


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
            from ..preprocessors import _why_unreadable

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
            notes += (
                [n for n in recorded if isinstance(n, str)] if isinstance(recorded, list) else []
            )
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
