"""Tools for working with processes from a notebook: see what children do, and clean up.

Child processes write to the kernel's real stderr, not to ``sys.stderr``, so a
traceback from a crashed worker lands in the notebook as red text. Under nbgrader
any stderr in a test cell scores 0, and in a lesson it buries the point of the
cell. `child_stderr` sends it to a file you can read instead.

>>> with child_stderr() as captured:
...     pass
>>> captured.text()
''
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "CapturedStderr",
    "child_pids",
    "child_stderr",
    "descendant_pids",
    "helper_pids",
    "load_consumer",
    "mapped_shared_memory",
    "shared_memory_blocks",
]

_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(: .*)?$")


class CapturedStderr:
    """What was written to file descriptor 2 while `child_stderr` was active."""

    def __init__(self, file) -> None:
        self._file = file
        self._final: str | None = None

    def text(self) -> str:
        """Return everything captured so far (children may still be writing)."""
        if self._final is not None:
            return self._final
        fd = self._file.fileno()
        size = os.fstat(fd).st_size
        return os.pread(fd, size, 0).decode("utf-8", errors="replace") if size else ""

    def crash(self) -> str | None:
        """Return the last line of the first traceback captured, or None if there is none.

        That line names the exception, for example
        ``AttributeError: Can't get attribute 'cube' on <module '__main__' (built-in)>``.
        """
        text = self.text()
        start = text.find("Traceback (most recent call last)")
        if start < 0:
            return None
        # Several children may write at once, so look for the first line shaped
        # like "SomeError: message" rather than the first unindented one.
        for line in text[start:].splitlines()[1:]:
            if _EXCEPTION_LINE.match(line):
                return line.strip()
        return None

    def _freeze(self) -> None:
        self._final = self.text()


@contextlib.contextmanager
def child_stderr() -> Iterator[CapturedStderr]:
    """Redirect file descriptor 2 to a temporary file while the block runs.

    Child processes started inside the block inherit the redirection, so their
    tracebacks and warnings are captured instead of printed. Processes that
    outlive the block keep writing to the (then unlinked) file.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        captured = CapturedStderr(tmp)
        try:
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured._freeze()


def _processes() -> Iterator[tuple[int, int, str]] | None:
    """Return an iterator of (pid, parent pid, state letter) over every process in /proc.

    Return None where there is no /proc (macOS, Windows).
    """
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    return _proc_stats(proc)


def _proc_stats(proc: Path) -> Iterator[tuple[int, int, str]]:
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name is in parentheses and may hold spaces: split after it.
        fields = stat[stat.rfind(")") + 2 :].split()
        yield int(entry.name), int(fields[1]), fields[0]


def child_pids(pid: int | None = None) -> dict[int, str] | None:
    """Return {pid: state} for the children of process `pid` (default: this one).

    The state is a letter from /proc (``R`` running, ``S`` sleeping, ``Z`` a
    zombie: ended but not yet waited for). Return None where there is no /proc
    (macOS, Windows).
    """
    parent = os.getpid() if pid is None else pid
    processes = _processes()
    if processes is None:
        return None
    return {child: state for child, ppid, state in processes if ppid == parent}


def descendant_pids(pid: int | None = None) -> set[int] | None:
    """Return the PIDs of all descendants of process `pid` (default: this one), from /proc.

    Children of the forkserver are grandchildren of the process that asked for
    them, so "my processes" means descendants, not just children.
    """
    root = os.getpid() if pid is None else pid
    processes = _processes()
    if processes is None:
        return None
    children: dict[int, list[int]] = {}
    for child, ppid, _state in processes:
        children.setdefault(ppid, []).append(child)
    out: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def mapped_shared_memory(pids) -> set[str]:
    """Return the names of the shared-memory blocks that processes `pids` have mapped now."""
    names = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
                for line in maps:
                    where = line.find("/dev/shm/psm_")
                    if where >= 0:
                        names.add(line[where + len("/dev/shm/") :].split()[0])
        except OSError:
            continue  # ended, or not ours to read
    return names


def helper_pids() -> set[int]:
    """Return the PIDs of multiprocessing's own long-lived helpers in this process.

    The forkserver and the resource tracker are started once and kept for the
    life of the interpreter; they are not processes that user code forgot.
    """
    from multiprocessing import forkserver, resource_tracker

    pids = {
        getattr(forkserver._forkserver, "_forkserver_pid", None),
        getattr(resource_tracker._resource_tracker, "_pid", None),
    }
    return {p for p in pids if p}


def shared_memory_blocks() -> set[str] | None:
    """Return the names of the shared-memory blocks that exist now, or None if unknown.

    On Linux, `multiprocessing.shared_memory` blocks are files in /dev/shm whose
    names start with ``psm_``. A block stays there until someone calls unlink().
    """
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return None
    return {p.name for p in shm.iterdir() if p.name.startswith("psm_")}


def load_consumer(spec: str):
    """Build a consumer from a ``"package.module:ClassName"`` string.

    A coprocess is started with a command line, so the consumer it should feed
    is named there and built here, with no arguments.

    >>> load_consumer("collections:Counter")
    Counter()
    """
    module, sep, name = spec.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"expected 'package.module:ClassName', got {spec!r}")
    return getattr(importlib.import_module(module), name)()
