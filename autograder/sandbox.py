"""A sandbox for each grading kernel: Linux namespaces through bubblewrap, and a cgroup.

A student's notebook is a hostile process. In its sandbox it

* sees only its own processes (its own PID namespace): it cannot see or signal
  the grader, nbgrader, a Dask worker or another student's kernel;
* reaches no network (its own network namespace holds only its own loopback):
  no other kernel's ports, no Dask scheduler, no database. The grader talks to
  it over Unix sockets in the kernel's private folder (``transport="ipc"``);
* sees only the files it needs, read-only (its own mount namespace): ``/usr``,
  a few files of ``/etc``, the interpreter's prefix and the venv, and the
  course's ``autograder`` and ``coursekit`` packages at their real paths, with
  the hidden suites and the known-wrong solutions covered by empty folders.
  The course, the gradebook, ``source/`` and other students' folders do not
  exist there. Its working folder is a private copy of the notebook's folder,
  at the path the grader asked for; it has a private ``/tmp`` and a
  size-limited ``/dev/shm``, both gone when it ends;
* runs as an unprivileged uid (65534 when the grader is root; the grader's own
  uid in a user namespace otherwise) with no capabilities, ``no_new_privs``
  and a scrubbed environment (no database URL, password or token of the
  grader's);
* lives in a cgroup that caps its tasks, its memory (``/dev/shm`` and ``/tmp``
  pages included), and weighs its CPU share against other kernels; when the
  kernel ends, everything in the cgroup is frozen and killed, however it
  forked or detached.

The tools are the real ones: Debian's ``bubblewrap`` (``bwrap``) for the
namespaces, ``setpriv`` (util-linux) to drop root, and the cgroup file system
(v1, or v2 where the unified hierarchy has the controllers).

:func:`probe` tries this once per process and says in one line what this host
gives (:meth:`SandboxStatus.describe`). A host without it grades with the older
limits (rlimits, Landlock, a /proc watchdog) and says so;
``Limits.require_sandbox`` (``c.SafeExecute.require_sandbox``) turns that into
an error.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

NOBODY = 65534
CGROUP_ROOT = "/sys/fs/cgroup"
#: cgroup v1 controllers: the first three are needed, the others used when there.
V1_REQUIRED = ("pids", "memory", "freezer")
V1_OPTIONAL = ("cpu", "cpuacct")
#: The parent of every kernel's cgroup, in each hierarchy.
CGROUP_PARENT = "autograder"
#: A cgroup of ours that is empty and older than this was left by a dead grader.
STALE_SECONDS = 120
#: Host files a kernel may read: enough for Python, certificates, fonts, users and time.
ETC = (
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/ssl/certs",
    "/etc/ca-certificates",
    "/etc/fonts",
    "/etc/alternatives",
    "/etc/mime.types",
    "/etc/os-release",
    "/etc/matplotlibrc",
)
#: The course's folders below autograder/ that a kernel must never read.
HIDDEN = ("suites", "mutants")
#: Variables that may pass from the grader to the kernel, when their value looks harmless.
PASS_ENV = (
    "LANG",
    "LC_ALL",
    "MPLBACKEND",
    "AUTOGRADER_STRICT",
    "AUTOGRADER_DEBUG",
)
_HARMLESS = re.compile(r"^[A-Za-z0-9_.:@+-]{1,64}$")
#: A Unix socket path must fit in sun_path (108 bytes, with the NUL).
MAX_SOCKET_PATH = 100


# --------------------------------------------------------------------------
# What this host gives


@dataclasses.dataclass
class SandboxStatus:
    """What isolation this host gives a grading kernel."""

    #: bwrap runs a kernel in its own pid, net, mount, ipc and uts namespaces.
    namespaces: bool
    #: "v1", "v2" or "" (no cgroup: the watchdog alone enforces the limits).
    cgroup: str = ""
    #: The cgroup controllers in use.
    controllers: tuple[str, ...] = ()
    #: The uid kernels run as (65534 as root; the grader's uid in a user namespace).
    uid: int | None = None
    #: What is missing, and how to get it.
    why: str = ""
    #: A seccomp filter keeps the kernel from new user namespaces, keyrings, io_uring...
    seccomp: bool = False
    #: bwrap runs unprivileged, in a user namespace (the grader is not root).
    userns: bool = False

    @property
    def ok(self) -> bool:
        """Namespaces and a cgroup: everything :func:`probe` can give."""
        return self.namespaces and bool(self.cgroup)

    available = ok

    def describe(self) -> str:
        """One line for the start of a grading run."""
        if not self.namespaces:
            return (
                f"sandbox: OFF: {self.why}; kernels get rlimits, Landlock (where the Linux "
                "kernel has it) and a watchdog only"
            )
        kinds = "pid, net, mount, ipc, uts" + (", user" if self.userns else "")
        seccomp = ", seccomp" if self.seccomp else ""
        head = f"sandbox: bubblewrap ({kinds} namespaces; uid {self.uid}, no capabilities{seccomp})"
        if self.cgroup:
            return f"{head}, cgroup {self.cgroup} ({', '.join(self.controllers)})"
        return f"{head}, no cgroup ({self.why}): the watchdog alone enforces the limits"

    __str__ = describe


def _is_root() -> bool:
    return os.geteuid() == 0


def kernel_uid() -> int:
    """The uid of a sandboxed kernel on the host."""
    return NOBODY if _is_root() else os.getuid()


def _bwrap() -> str | None:
    return shutil.which("bwrap", path=os.environ.get("PATH", "") + ":/usr/bin:/bin")


_PROBE_CODE = """
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
assert not SECCOMP or libc.unshare(0x10000000) != 0, "a new user namespace was allowed"
status = open("/proc/self/status").read()
caps = [l.split()[1] for l in status.splitlines() if l.startswith(("CapEff", "CapPrm", "CapBnd"))]
assert set(caps) == {"0000000000000000"}, caps
pids = [p for p in os.listdir("/proc") if p.isdigit()]
assert len(pids) < 8, pids
assert [n for _, n in socket.if_nameindex()] in (["lo"], []), socket.if_nameindex()
print(os.getuid())
"""


@functools.lru_cache(maxsize=1)
def probe() -> SandboxStatus:
    """Try the sandbox once in this process (a real Python in a real one); say what works."""
    bwrap = _bwrap()
    if bwrap is None:
        return SandboxStatus(False, why="bwrap not found (apt-get install bubblewrap)")
    if _is_root() and not shutil.which("setpriv"):
        return SandboxStatus(False, why="setpriv not found (apt-get install util-linux)")
    private = make_private_dir()
    try:
        layout = Layout(private)
        layout.create()
        os.makedirs(layout.work)
        layout.give(kernel_uid(), kernel_uid())
        code = _PROBE_CODE.replace("SECCOMP", str(seccomp_filter() is not None or not _is_root()))
        argv = command(
            [sys.executable, "-I", "-S", "-c", code],
            layout=layout,
            cwd=layout.work,
            env={"PATH": "/usr/bin:/bin"},
            tmpfs_size=1 << 20,
        )
        argv = launcher(argv, json.dumps({}))
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=30,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return SandboxStatus(False, why=f"bwrap could not run ({exc})")
    finally:
        shutil.rmtree(private, ignore_errors=True)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines() or ["no message"]
        why = " ".join(lines[-1].split())[:200]
        if "setting up uid map" in why or "No permissions to create new namespace" in why:
            why += " (unprivileged user namespaces are off: run as root, or allow them)"
        return SandboxStatus(False, why=f"bwrap failed: {why}")
    version, controllers, why = _cgroup_probe()
    status = SandboxStatus(True, version, controllers, int(proc.stdout.split()[-1]), why)
    status.seccomp = seccomp_filter() is not None
    status.userns = not _is_root()
    return status


def _cgroup_probe() -> tuple[str, tuple[str, ...], str]:
    if not _is_root():
        return "", (), "not root: no cgroup of its own for each kernel"
    try:
        remove_stale_cgroups()
    except OSError:
        pass
    group = Cgroup("probe-" + os.urandom(4).hex(), memory=64 << 20, tasks=64)
    try:
        group.create()
    except OSError as exc:
        what = f"cgroup {group.version}" if group.version else "cgroups"
        return "", (), f"{what} not usable ({exc.strerror or exc})"
    finally:
        group.remove()
    return group.version, group.controllers, ""


# --------------------------------------------------------------------------
# cgroups


def _v1_available() -> bool:
    return all(os.path.isdir(os.path.join(CGROUP_ROOT, c)) for c in V1_REQUIRED) and all(
        os.path.exists(os.path.join(CGROUP_ROOT, c, "cgroup.procs")) for c in V1_REQUIRED
    )


def _v2_available() -> bool:
    return os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers"))


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def _write(path: str, value: str) -> None:
    with open(path, "w") as fh:
        fh.write(value)


def _write_quietly(path: str, value: str) -> bool:
    try:
        _write(path, value)
        return True
    except OSError:
        return False


class Cgroup:
    """One kernel's cgroup: limits, membership, CPU time, and killing everything in it.

    cgroup v1: a group named `name` below ``autograder/`` in each of the pids,
    memory, freezer (and, where mounted, cpu and cpuacct) hierarchies. cgroup
    v2: one group ``/sys/fs/cgroup/autograder/<name>``.
    """

    def __init__(self, name: str, *, memory: int | None, tasks: int | None, cpu_weight: int = 100):
        self.name = name
        self.memory = memory
        self.tasks = tasks
        self.cpu_weight = cpu_weight  # v2 weight; v1 shares are 10.24 times this
        self.version = ""
        self.controllers: tuple[str, ...] = ()
        #: controller -> folder ("" for the single v2 folder).
        self.paths: dict[str, str] = {}

    # ---------------------------------------------------------------- making

    def create(self) -> None:
        """Make the group and set its limits (OSError when the host does not let us)."""
        try:
            if _v1_available():
                self._create_v1()
            elif _v2_available():
                self._create_v2()
            else:
                raise OSError(0, "no cgroup file system")
        except OSError:
            self.remove()
            raise

    def _create_v1(self) -> None:
        self.version = "v1"
        seen: set[str] = set()
        used = []
        for controller in V1_REQUIRED + V1_OPTIONAL:
            mount = os.path.join(CGROUP_ROOT, controller)
            if not os.path.isdir(mount):
                continue
            real = os.path.realpath(mount)  # "cpu" and "cpuacct" may be one hierarchy
            path = os.path.join(mount, CGROUP_PARENT, self.name)
            if real not in seen:
                seen.add(real)
                os.makedirs(path, exist_ok=True)
            self.paths[controller] = path
            used.append(controller)
        self.controllers = tuple(c for c in ("pids", "memory", "cpu") if c in used)
        _write(self._file("pids", "pids.max"), str(self.tasks) if self.tasks else "max")
        if self.memory:
            _write(self._file("memory", "memory.limit_in_bytes"), str(self.memory))
            # Swap would let a hog outlive its limit.
            _write_quietly(self._file("memory", "memory.memsw.limit_in_bytes"), str(self.memory))
            _write_quietly(self._file("memory", "memory.swappiness"), "0")
        if "cpu" in self.paths:
            _write_quietly(self._file("cpu", "cpu.shares"), str(self.cpu_weight * 1024 // 100))

    def _create_v2(self) -> None:
        self.version = "v2"
        have = set(_read(os.path.join(CGROUP_ROOT, "cgroup.controllers")).split())
        if not {"pids", "memory"} <= have:
            raise OSError(0, "the unified hierarchy lacks the pids and memory controllers")
        wanted = [c for c in ("pids", "memory", "cpu") if c in have]
        parent = os.path.join(CGROUP_ROOT, CGROUP_PARENT)
        os.makedirs(parent, exist_ok=True)
        enable = " ".join(f"+{c}" for c in wanted)
        for folder in (CGROUP_ROOT, parent):
            try:
                _write(os.path.join(folder, "cgroup.subtree_control"), enable)
            except OSError as exc:
                raise OSError(
                    exc.errno, f"cannot enable {enable} in {folder}: {exc.strerror}"
                ) from None
        path = os.path.join(parent, self.name)
        os.makedirs(path, exist_ok=True)
        self.paths = {"": path}
        self.controllers = tuple(wanted)
        if self.tasks:
            _write(os.path.join(path, "pids.max"), str(self.tasks))
        if self.memory:
            _write(os.path.join(path, "memory.max"), str(self.memory))
            _write_quietly(os.path.join(path, "memory.swap.max"), "0")
        if "cpu" in wanted:
            _write_quietly(os.path.join(path, "cpu.weight"), str(self.cpu_weight))

    def _file(self, controller: str, name: str) -> str:
        folder = self.paths[""] if self.version == "v2" else self.paths[controller]
        return os.path.join(folder, name)

    def procs_files(self) -> list[str]:
        """The files a process writes its pid to, to join the group (all hierarchies)."""
        folders = dict.fromkeys(self.paths.values())
        return [os.path.join(p, "cgroup.procs") for p in folders]

    # ---------------------------------------------------------------- reading

    def pids(self) -> list[int]:
        out: set[int] = set()
        for path in self.procs_files():
            try:
                out.update(int(line) for line in _read(path).split())
            except (OSError, ValueError):
                continue
        return sorted(out)

    def cpu_seconds(self) -> float | None:
        """CPU time of everything that ever ran in the group, the dead included."""
        try:
            if self.version == "v1" and "cpuacct" in self.paths:
                return int(_read(self._file("cpuacct", "cpuacct.usage"))) / 1e9
            if self.version == "v2":
                for line in _read(self._file("", "cpu.stat")).splitlines():
                    if line.startswith("usage_usec "):
                        return int(line.split()[1]) / 1e6
        except (OSError, ValueError, KeyError):
            return None
        return None

    def memory_peak(self) -> int | None:
        name = "memory.max_usage_in_bytes" if self.version == "v1" else "memory.peak"
        try:
            return int(_read(self._file("memory", name)))
        except (OSError, ValueError, KeyError):
            return None

    def oom_kills(self) -> int:
        """How many processes the out-of-memory killer stopped in the group."""
        try:
            if self.version == "v1":
                text = _read(self._file("memory", "memory.oom_control"))
                match = re.search(r"^oom_kill (\d+)", text, re.M)
                if match:
                    return int(match.group(1))
                return 1 if int(_read(self._file("memory", "memory.failcnt"))) else 0
            if self.version == "v2":
                text = _read(self._file("", "memory.events"))
                match = re.search(r"^oom_kill (\d+)", text, re.M)
                return int(match.group(1)) if match else 0
        except (OSError, ValueError, KeyError):
            return 0
        return 0

    # ---------------------------------------------------------------- killing

    def kill_all(self, timeout: float = 5.0) -> int:
        """Freeze the group, SIGKILL every process in it, thaw it, until it is empty.

        Return how many processes were killed.
        """
        if not self.paths:
            return 0
        killed: set[int] = set()
        if self.version == "v2":
            kill_file = self._file("", "cgroup.kill")
            freeze = self._file("", "cgroup.freeze")
            frozen, thawed = "1", "0"
        else:
            kill_file = None
            freeze = self._file("freezer", "freezer.state") if "freezer" in self.paths else None
            frozen, thawed = "FROZEN", "THAWED"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                break
            if kill_file and os.path.exists(kill_file) and _write_quietly(kill_file, "1"):
                killed.update(pids)
            else:
                # Frozen, nothing can fork while we kill; the kill lands on thaw.
                if freeze:
                    _write_quietly(freeze, frozen)
                for pid in pids:
                    try:
                        os.kill(pid, 9)
                        killed.add(pid)
                    except OSError:
                        pass
                if freeze:
                    _write_quietly(freeze, thawed)
            time.sleep(0.01)
        return len(killed)

    def remove(self, timeout: float = 5.0) -> None:
        """Kill everything in the group and remove it (idempotent)."""
        self.kill_all(timeout)
        deadline = time.monotonic() + timeout
        for path in dict.fromkeys(self.paths.values()):
            while True:
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    self.kill_all(0.2)
                    time.sleep(0.02)
        self.paths = {p: f for p, f in self.paths.items() if os.path.isdir(f)}


def remove_stale_cgroups(min_age: float = STALE_SECONDS) -> int:
    """Remove empty kernel cgroups that a grader which died left behind; return how many."""
    parents = [os.path.join(CGROUP_ROOT, CGROUP_PARENT)]
    parents += [os.path.join(CGROUP_ROOT, c, CGROUP_PARENT) for c in V1_REQUIRED + V1_OPTIONAL]
    removed = 0
    now = time.time()
    for parent in parents:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for name in names:
            path = os.path.join(parent, name)
            try:
                if (
                    not stat.S_ISDIR(os.lstat(path).st_mode)
                    or now - os.stat(path).st_mtime < min_age
                ):
                    continue
                if _read(os.path.join(path, "cgroup.procs")).strip():
                    continue
                os.rmdir(path)
                removed += 1
            except OSError:
                continue
    return removed


# --------------------------------------------------------------------------
# The kernel's private folder


def make_private_dir() -> str:
    """A new private folder, short enough that its Unix sockets fit in sun_path."""
    path = tempfile.mkdtemp(prefix="autograder-kernel-")
    if len(os.path.join(path, "ipc", "k-65535")) > MAX_SOCKET_PATH:
        os.rmdir(path)
        path = tempfile.mkdtemp(prefix="autograder-kernel-", dir="/tmp")
    return path


class Layout:
    """The kernel's private folder on the host, outside any student's reach but its own.

    ``private/`` (the grader's, mode 0700) holds the connection file and folders
    that belong to the kernel's uid: ``ipc/`` (its sockets), ``share/`` (the drop
    box of :meth:`LimitedKernelManager.share`), ``home/`` (HOME, IPYTHONDIR,
    MPLCONFIGDIR), ``tmp/`` (TMPDIR without a sandbox) and ``work/`` (the private
    copy of the notebook's folder). In the sandbox only these folders and the
    connection file are mounted, each at its own path, never ``private/`` itself,
    so the kernel cannot replace them by links for the grader to follow.
    """

    def __init__(self, private: str):
        self.private = private
        self.ipc = os.path.join(private, "ipc")
        self.share = os.path.join(private, "share")
        self.home = os.path.join(private, "home")
        self.tmp = os.path.join(private, "tmp")
        self.work = os.path.join(private, "work")
        self.connection_file = os.path.join(private, "kernel.json")

    @property
    def ipython(self) -> str:
        return os.path.join(self.home, "ipython")

    @property
    def matplotlib(self) -> str:
        return os.path.join(self.home, "matplotlib")

    def create(self) -> None:
        os.chmod(self.private, 0o700)
        for folder in (self.ipc, self.share, self.home, self.ipython, self.matplotlib, self.tmp):
            os.makedirs(folder, mode=0o700, exist_ok=True)

    def writable(self) -> list[str]:
        """The kernel's folders (bound read-write into the sandbox)."""
        return [self.ipc, self.share, self.home]

    def give(self, uid: int, gid: int) -> None:
        """Hand the kernel's folders to its uid (before it starts: nothing races us)."""
        if os.geteuid() != 0 or uid == os.geteuid():
            return
        for top in [*self.writable(), self.tmp, self.work]:
            if os.path.isdir(top) and not os.path.islink(top):
                _chown_tree(top, uid, gid)
        if os.path.exists(self.connection_file):
            os.chown(self.connection_file, uid, gid, follow_symlinks=False)


def _chown_tree(top: str, uid: int, gid: int) -> None:
    os.chown(top, uid, gid, follow_symlinks=False)
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def private_copy(
    source: str,
    target: str,
    max_size: int | None,
    *,
    max_files: int = 2000,
    max_total: int = 1 << 30,
) -> list[str]:
    """Copy the regular files below `source` to `target`; return what was skipped, and why.

    Symbolic links, FIFOs, devices and sockets are never followed or opened;
    files larger than `max_size`, and those past `max_files` files or
    `max_total` bytes, are left out.
    """
    skipped: list[str] = []
    os.makedirs(target, exist_ok=True)
    try:
        top = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        return [f". ({exc.strerror or 'unreadable'})"]
    budget = {"files": max_files, "bytes": max_total}
    try:
        _copy_folder(top, target, "", max_size, skipped, budget, depth=0)
    finally:
        os.close(top)
    return skipped


def _open_or_skip(name: str, flags: int, dir_fd: int, label: str, skipped: list[str]) -> int | None:
    """``os.open(name, flags, dir_fd=dir_fd)``; None if it fails, with the reason in `skipped`."""
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except OSError as exc:
        skipped.append(f"{label} ({exc.strerror or 'unreadable'})")
        return None


def _copy_folder(dir_fd, target, rel, max_size, skipped, budget, depth) -> None:
    try:
        entries = sorted(os.listdir(dir_fd))
    except OSError as exc:
        skipped.append(f"{rel or '.'} ({exc.strerror or 'unreadable'})")
        return
    for name in entries:
        label = os.path.join(rel, name) if rel else name
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError:
            continue
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            skipped.append(f"{label} (a symbolic link)")
            continue
        if stat.S_ISDIR(mode):
            if depth >= 8:
                skipped.append(f"{label} (folders nested too deep)")
                continue
            flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
            fd = _open_or_skip(name, flags, dir_fd, label, skipped)
            if fd is None:
                continue
            try:
                dest = os.path.join(target, name)
                os.makedirs(dest, exist_ok=True)
                _copy_folder(fd, dest, label, max_size, skipped, budget, depth + 1)
            finally:
                os.close(fd)
            continue
        if not stat.S_ISREG(mode):
            kind = (
                "a named pipe"
                if stat.S_ISFIFO(mode)
                else "a socket"
                if stat.S_ISSOCK(mode)
                else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "not a regular file"
            )
            skipped.append(f"{label} ({kind})")
            continue
        if max_size and info.st_size > max_size:
            skipped.append(f"{label} (larger than the file size limit)")
            continue
        if budget["files"] <= 0 or budget["bytes"] < info.st_size:
            skipped.append(f"{label} (too many files or bytes in the folder)")
            continue
        src = _open_or_skip(
            name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd, label, skipped
        )
        if src is None:
            continue
        try:
            if not stat.S_ISREG(os.fstat(src).st_mode):
                skipped.append(f"{label} (not a regular file)")
                continue
            perms = 0o755 if mode & 0o111 else 0o644
            out = os.open(
                os.path.join(target, name),
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                perms,
            )
            limit = max_size or (1 << 62)
            copied = 0
            with os.fdopen(out, "wb") as dst:
                while copied <= limit:
                    chunk = os.read(src, 1 << 20)
                    if not chunk:
                        break
                    dst.write(chunk)
                    copied += len(chunk)
            budget["files"] -= 1
            budget["bytes"] -= copied
        finally:
            os.close(src)


def write_private_file(dir_fd: int, name: str, data: bytes, uid: int | None) -> None:
    """Create `name` (mode 0600) in the folder `dir_fd`, never through a link; give it to `uid`."""
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"not a plain file name: {name!r}")
    fd = os.open(
        name,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
        0o600,
        dir_fd=dir_fd,
    )
    try:
        if uid is not None and os.geteuid() == 0 and uid != 0:
            os.fchown(fd, uid, uid)
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


# --------------------------------------------------------------------------
# A seccomp filter: no new user namespace, no kernel keyring, io_uring, BPF or mounts
#
# Unprivileged user namespaces are the usual door to kernel bugs that root a
# machine, and bubblewrap's own --disable-userns needs a user namespace of its
# own. Everything else in the list needs capabilities the kernel does not have,
# or is rarely useful and often exploited. A classic BPF program, loaded by bwrap
# just before it runs the kernel (``--seccomp FD``); the launcher writes it to
# a memfd.

_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_CLONE_NEWUSER = 0x10000000
#: name: (x86_64, aarch64)
_SYSCALLS = {
    "clone": (56, 220),
    "unshare": (272, 97),
    "clone3": (435, 435),
    "setns": (308, 268),
    "keyctl": (250, 219),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "userfaultfd": (323, 282),
    "perf_event_open": (298, 241),
    "bpf": (321, 280),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "open_tree": (428, 428),
    "move_mount": (429, 429),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "kexec_load": (246, 104),
    "kexec_file_load": (320, 294),
    "init_module": (175, 105),
    "finit_module": (313, 273),
    "delete_module": (176, 106),
    "syslog": (103, 116),
    "acct": (163, 89),
    "swapon": (167, 224),
    "swapoff": (168, 225),
    "reboot": (169, 142),
}
SECCOMP_BLOCKED = tuple(n for n in _SYSCALLS if n not in ("clone", "unshare", "clone3"))


def seccomp_filter(machine: str | None = None) -> bytes | None:
    """The filter as bytes for ``bwrap --seccomp``, or None on an architecture it does not know."""
    import errno
    import struct

    machine = machine or os.uname().machine
    if machine not in _AUDIT_ARCH:
        return None
    column = 0 if machine == "x86_64" else 1
    nr = {name: numbers[column] for name, numbers in _SYSCALLS.items()}
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, eperm = 0x7FFF0000, 0x00050000 | errno.EPERM
    enosys = 0x00050000 | errno.ENOSYS
    prog = [
        (ld, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, _AUDIT_ARCH[machine]),
        (ret, 0, 0, enosys),  # another ABI (i386 through int 0x80, say): nothing
        (ld, 0, 0, 0),  # seccomp_data.nr
    ]
    if machine == "x86_64":
        prog += [(jge, 0, 1, 0x40000000), (ret, 0, 0, enosys)]  # the x32 ABI
    # clone3 passes its flags in memory a filter cannot read: ENOSYS makes
    # glibc fall back to clone, whose flags it can.
    prog += [(jeq, 0, 1, nr["clone3"]), (ret, 0, 0, enosys)]
    for name in ("unshare", "clone"):
        prog += [
            (jeq, 0, 4, nr[name]),
            (ld, 0, 0, 16),  # the low 32 bits of the first argument: the flags
            (jset, 0, 1, _CLONE_NEWUSER),
            (ret, 0, 0, eperm),
            (ret, 0, 0, allow),
        ]
    for name in SECCOMP_BLOCKED:
        prog += [(jeq, 0, 1, nr[name]), (ret, 0, 0, eperm)]
    prog.append((ret, 0, 0, allow))
    return b"".join(struct.pack("<HBBI", *insn) for insn in prog)


# --------------------------------------------------------------------------
# The bwrap command


def _drop_privileges() -> list[str]:
    """setpriv as the first command in the sandbox: from root to nobody, for good."""
    if not _is_root():
        return []
    return [
        "setpriv",
        f"--reuid={NOBODY}",
        f"--regid={NOBODY}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def _course_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _prefix_of(executable: str) -> list[str]:
    """The prefixes an interpreter needs: its venv and the real installation it links to."""
    out = []
    path = os.path.abspath(executable)
    out.append(os.path.dirname(os.path.dirname(path)))
    real = os.path.realpath(path)
    out.append(os.path.dirname(os.path.dirname(real)))
    return out


def read_only_roots(kernel_cmd: list[str] | None = None) -> list[str]:
    """The folders outside /usr that a kernel reads: interpreter prefixes and the venv.

    Never the course root or a folder that holds it: from the course only the
    ``autograder`` and ``coursekit`` packages are mounted (see :func:`command`).
    """
    roots = {
        os.path.realpath(sys.base_prefix),
        os.path.realpath(sys.base_exec_prefix),
        os.path.abspath(sys.prefix),
        os.path.realpath(sys.prefix),
        *_prefix_of(sys.executable),
    }
    if kernel_cmd:
        exe = shutil.which(kernel_cmd[0]) if not os.path.isabs(kernel_cmd[0]) else kernel_cmd[0]
        if exe:
            roots.update(_prefix_of(exe))
    course = _course_root()
    out = []
    for root in sorted(roots):
        if not os.path.isdir(root) or root in ("/", "/usr") or root.startswith("/usr/"):
            continue
        if course == root or course.startswith(root.rstrip("/") + "/"):
            continue  # the course itself, or a folder around it
        out.append(root)
    # A root inside another one is mounted with it.
    return [r for r in out if not any(r.startswith(o + "/") for o in out if o != r)]


def command(
    kernel_cmd: list[str],
    *,
    layout: Layout,
    cwd: str,
    env: dict[str, str],
    tmpfs_size: int | None,
    bwrap: str | None = None,
) -> list[str]:
    """The full command that runs `kernel_cmd` in a sandbox.

    The kernel's folders of `layout` are bound read-write at their own paths,
    its connection file read-only, and `layout.work` (a private copy of the
    notebook's folder) at `cwd`.
    """
    bwrap = bwrap or _bwrap()
    if bwrap is None:
        raise RuntimeError("bwrap not found (apt-get install bubblewrap)")
    root = _is_root()
    args = [
        bwrap,
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "grading",
    ]
    if not root:
        args += ["--unshare-user", "--disable-userns"]
    made = {"/"}

    def mkdirs(path: str) -> None:
        # Folders that bwrap would otherwise make with the host's modes: nobody
        # must be able to walk to its mounts (/root is 0700).
        parts = os.path.abspath(path).strip("/").split("/")
        for i in range(1, len(parts) + 1):
            folder = "/" + "/".join(parts[:i])
            if folder not in made:
                made.add(folder)
                args.extend(["--perms", "0755", "--dir", folder])

    def mount(kind: str, source: str, dest: str | None = None) -> None:
        dest = dest or source
        mkdirs(os.path.dirname(dest))
        made.add(dest)
        args.extend([kind, source, dest])

    for path in ("/usr", "/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"):
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
            made.add(path)
        elif os.path.isdir(path):
            mount("--ro-bind", path)
    for path in ETC:
        if os.path.exists(path):
            mount("--ro-bind", path)
    args += ["--proc", "/proc", "--dev", "/dev"]
    made.update(("/proc", "/dev", "/dev/shm"))
    # Private, in memory (the cgroup counts their pages), and of bounded size.
    for folder in ("/tmp", "/dev/shm"):
        args += ["--perms", "1777"]
        if tmpfs_size:
            args += ["--size", str(tmpfs_size)]
        args += ["--tmpfs", folder]
        made.add(folder)
    for path in read_only_roots(kernel_cmd):
        mount("--ro-bind", path)
    here = os.path.dirname(os.path.abspath(__file__))
    course = os.path.dirname(here)
    for package in (here, os.path.join(course, "coursekit")):
        if os.path.isdir(package):
            mount("--ro-bind", package)
    # The hidden suites and the known-wrong solutions stay out of sight.
    for hidden in HIDDEN:
        folder = os.path.join(here, hidden)
        if os.path.isdir(folder):
            args += ["--perms", "0755", "--tmpfs", folder, "--remount-ro", folder]
    for folder in layout.writable():
        mount("--bind", folder)
    if os.path.exists(layout.connection_file):
        mount("--ro-bind", layout.connection_file)
    mount("--bind", layout.work, cwd)
    args += ["--chdir", cwd, "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    if root:
        # setpriv needs these two to become nobody; it drops them with the rest.
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return [*args, "--", *_drop_privileges(), *kernel_cmd]


LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "limits.py")


def launcher(
    bwrap_argv: list[str], limits_json: str, cgroup_procs: list[str] | None = None
) -> list[str]:
    """Run `bwrap_argv` (from :func:`command`) through the limits launcher.

    The launcher joins the cgroup (the `cgroup_procs` files) before bwrap
    forks, sets the rlimits, and hands bwrap the seccomp filter in a memfd.
    """
    options = ["--namespaces"]
    if cgroup_procs:
        options += ["--cgroup", json.dumps(cgroup_procs)]
    program = seccomp_filter()
    if program is not None:
        options += ["--seccomp", program.hex()]
    return [sys.executable, "-I", "-S", LAUNCHER, limits_json, "[]", *options, "--", *bwrap_argv]


def kernel_env(layout: Layout, token: str) -> dict[str, str]:
    """The whole environment of a sandboxed kernel: none of the grader's secrets."""
    venv_bin = os.path.dirname(os.path.abspath(sys.executable))
    env = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": layout.home,
        "TMPDIR": "/tmp",
        "IPYTHONDIR": layout.ipython,
        "MPLCONFIGDIR": layout.matplotlib,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MALLOC_ARENA_MAX": "2",
        "AUTOGRADER_KERNEL_TOKEN": token,
        # ipykernel: a parent is there (bwrap watches it; --die-with-parent),
        # so no "Ctrl-C will not work" banner and no parent poller to fool.
        "JPY_PARENT_PID": "1",
    }
    for key in PASS_ENV:
        value = os.environ.get(key)
        if value and _HARMLESS.match(value):
            env[key] = value
    return env
