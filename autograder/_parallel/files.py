"""Reading a submission and writing results without following a student's links:
only regular files are read, nothing is written through a link."""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import os
import shutil
import stat
import tempfile
from pathlib import Path

from .settings import MAX_FILES


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
