"""A sandbox for each grading kernel: Linux namespaces through bubblewrap, and a cgroup.

A student's notebook is a hostile process. In its sandbox it

* sees only its own processes (its own PID namespace): it cannot see or signal
  the grader, nbgrader, a Dask worker or another student's kernel;
* reaches no network (its own network namespace holds only its own loopback):
  no other kernel's ports, no Dask scheduler, no database;
* sees only the files it needs, read-only (its own mount namespace): the
  interpreter, the course's ``autograder`` and ``coursekit`` packages (without
  the hidden suites and the known-wrong solutions), a private copy of its own
  folder, a private ``/tmp`` and a size-limited ``/dev/shm``. The course, the
  gradebook, ``source/`` and other students' folders do not exist there;
* runs as an unprivileged uid (65534 when the grader is root) with no
  capabilities and a scrubbed environment;
* lives in a cgroup that caps its tasks, its memory (``/dev/shm`` and ``/tmp``
  pages included) and its CPU share; when the kernel ends, everything in the
  cgroup is frozen and killed, however it forked or detached.

The tools are the real ones: Debian's ``bubblewrap`` (``bwrap``) for the
namespaces, and the cgroup file system (v1 here, v2 where it is delegated).
:func:`probe` says in one line what this host gives; a host without them
grades with the older limits (rlimits, Landlock, a /proc watchdog), says so at
the start of the run, and ``require_sandbox`` turns that into an error.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import stat
import subprocess
import sys

NOBODY = 65534
CGROUP_ROOT = "/sys/fs/cgroup"
V1_CONTROLLERS = ("pids", "memory", "cpu", "freezer")
#: Host files a kernel may read: enough for Python, SSL, fonts, users and time.
ETC = (
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/fonts",
    "/etc/alternatives",
    "/etc/mime.types",
    "/etc/os-release",
    "/etc/matplotlibrc",
)
#: Environment variables that pass from the grader to the kernel (values checked below).
PASS_ENV = ("LANG", "LC_ALL", "MPLBACKEND", "TZ")


@dataclasses.dataclass
class SandboxStatus:
    """What isolation this host gives a grading kernel."""

    namespaces: bool
    cgroup: str  # "v1", "v2" or ""
    uid: int | None  # the uid kernels run as, None when unchanged
    why: str = ""  # what is missing, and how to get it

    @property
    def ok(self) -> bool:
        return self.namespaces and bool(self.cgroup)

    def describe(self) -> str:
        if not self.namespaces:
            return (
                f"sandbox: OFF: {self.why}; kernels run with rlimits, Landlock and a watchdog only"
            )
        who = f"uid {self.uid}" if self.uid is not None else "the grader's uid"
        groups = (
            f"cgroup {self.cgroup} (pids, memory, cpu)"
            if self.cgroup
            else f"no cgroup ({self.why}); the watchdog enforces the limits"
        )
        return f"sandbox: bubblewrap (pid, net, mount, ipc, uts namespaces; {who}, no capabilities), {groups}"


def _bwrap() -> str | None:
    return shutil.which("bwrap")


def _is_root() -> bool:
    return os.geteuid() == 0


@functools.lru_cache(maxsize=1)
def probe() -> SandboxStatus:
    """Try the sandbox once in this process and say what works."""
    bwrap = _bwrap()
    uid = NOBODY if _is_root() else None
    if bwrap is None:
        return SandboxStatus(False, "", None, "bwrap not found (apt-get install bubblewrap)")
    try:
        proc = subprocess.run(
            [*_base_command(bwrap, []), "--", *_drop_privileges(), "--", "/bin/true"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SandboxStatus(False, "", None, f"bwrap could not run ({exc})")
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["no message"])[-1][:160]
        return SandboxStatus(False, "", None, f"bwrap failed: {why}")
    version, why = _cgroup_probe()
    return SandboxStatus(True, version, uid, why)


def _cgroup_probe() -> tuple[str, str]:
    if not _is_root():
        return "", "not root: no cgroup can be created"
    if all(os.path.isdir(os.path.join(CGROUP_ROOT, c)) for c in V1_CONTROLLERS):
        group = Cgroup("probe-" + os.urandom(4).hex(), memory=None, tasks=None)
        try:
            group.create()
            return "v1", ""
        except OSError as exc:
            return "", f"cgroup v1 not writable ({exc})"
        finally:
            group.remove()
    controllers = os.path.join(CGROUP_ROOT, "cgroup.controllers")
    if os.path.exists(controllers):
        with open(controllers) as fh:
            have = set(fh.read().split())
        if {"pids", "memory"} <= have:
            return "v2", ""
        return "", "cgroup v2 without the pids and memory controllers"
    return "", "no cgroup file system"


# --------------------------------------------------------------------------
# cgroups


class Cgroup:
    """One kernel's cgroup: limits, membership, and killing everything in it."""

    def __init__(self, name: str, *, memory: int | None, tasks: int | None, cpu_shares: int = 1024):
        self.name = name
        self.memory = memory
        self.tasks = tasks
        self.cpu_shares = cpu_shares
        self.version = ""
        self.paths: list[str] = []

    def create(self) -> None:
        if all(os.path.isdir(os.path.join(CGROUP_ROOT, c)) for c in V1_CONTROLLERS):
            self.version = "v1"
            for controller in V1_CONTROLLERS:
                path = os.path.join(CGROUP_ROOT, controller, "autograder", self.name)
                os.makedirs(path, exist_ok=True)
                self.paths.append(path)
            self._write("pids", "pids.max", str(self.tasks) if self.tasks else "max")
            if self.memory:
                self._write("memory", "memory.limit_in_bytes", str(self.memory))
                # Swap would let a hog outlive its limit.
                self._write("memory", "memory.swappiness", "0", required=False)
            self._write("cpu", "cpu.shares", str(self.cpu_shares))
        else:
            self.version = "v2"
            path = os.path.join(CGROUP_ROOT, "autograder", self.name)
            os.makedirs(path, exist_ok=True)
            self.paths.append(path)
            if self.tasks:
                self._write("", "pids.max", str(self.tasks), required=False)
            if self.memory:
                self._write("", "memory.max", str(self.memory), required=False)

    def _path(self, controller: str) -> str:
        for path in self.paths:
            if self.version == "v2" or f"/{controller}/" in path:
                return path
        raise KeyError(controller)

    def _write(self, controller: str, name: str, value: str, required: bool = True) -> None:
        try:
            with open(os.path.join(self._path(controller), name), "w") as fh:
                fh.write(value)
        except OSError:
            if required:
                raise

    def procs_files(self) -> list[str]:
        return [os.path.join(p, "cgroup.procs") for p in self.paths]

    def pids(self) -> list[int]:
        out: set[int] = set()
        for path in self.procs_files():
            try:
                with open(path) as fh:
                    out.update(int(line) for line in fh if line.strip())
            except OSError:
                continue
        return sorted(out)

    def oom_kills(self) -> int:
        if self.version != "v1":
            return 0
        try:
            with open(os.path.join(self._path("memory"), "memory.oom_control")) as fh:
                for line in fh:
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
            with open(os.path.join(self._path("memory"), "memory.failcnt")) as fh:
                return 1 if int(fh.read().strip() or 0) else 0
        except (OSError, ValueError, KeyError):
            return 0
        return 0

    def kill_all(self) -> int:
        """Freeze the group, SIGKILL every process in it, thaw it. Return how many."""
        killed = 0
        if self.version == "v2":
            try:
                with open(os.path.join(self.paths[0], "cgroup.kill"), "w") as fh:
                    fh.write("1")
                return len(self.pids())
            except (OSError, IndexError):
                pass
        freezer = None
        if self.version == "v1":
            freezer = os.path.join(self._path("freezer"), "freezer.state")
        for _ in range(20):
            pids = self.pids()
            if not pids:
                break
            if freezer:
                _write_quietly(freezer, "FROZEN")
            for pid in pids:
                try:
                    os.kill(pid, 9)
                    killed += 1
                except OSError:
                    pass
            if freezer:
                _write_quietly(freezer, "THAWED")
            _sleep(0.02)
        return killed

    def remove(self) -> None:
        self.kill_all()
        for path in self.paths:
            for _ in range(50):
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    _sleep(0.02)


def _write_quietly(path: str, value: str) -> None:
    try:
        with open(path, "w") as fh:
            fh.write(value)
    except OSError:
        pass


def _sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


# --------------------------------------------------------------------------
# The bwrap command


def _drop_privileges() -> list[str]:
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
    ]


def _base_command(bwrap: str, binds: list[str]) -> list[str]:
    command = [
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
    if not _is_root():
        command.append("--unshare-user")
    command += ["--proc", "/proc", "--dev", "/dev"]
    for path in ("/usr", "/bin", "/lib", "/lib64", "/sbin", "/lib32", "/libx32"):
        if os.path.islink(path):
            command += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            command += ["--ro-bind", path, path]
    command += binds
    if _is_root():
        # setpriv needs these two to become nobody; it drops them with the rest.
        command += ["--cap-add", "CAP_SETUID,CAP_SETGID"]
    return command


def _parents(path: str) -> list[str]:
    parts = os.path.abspath(path).strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def read_only_roots() -> list[str]:
    """The folders a kernel needs to read: the interpreter, the venv, the course packages."""
    here = os.path.dirname(os.path.abspath(__file__))
    course = os.path.dirname(here)
    roots = {
        os.path.realpath(sys.base_prefix),
        os.path.realpath(sys.base_exec_prefix),
        os.path.abspath(sys.prefix),
        os.path.realpath(sys.prefix),
        here,
        os.path.join(course, "coursekit"),
    }
    # The venv's python may be a chain of symlinks into another prefix (pyenv).
    exe = os.path.abspath(sys.executable)
    roots.add(os.path.dirname(os.path.dirname(os.path.realpath(exe))))
    return sorted(r for r in roots if os.path.isdir(r) and not r.startswith(("/usr/", "/usr")))


def command(
    kernel_cmd: list[str],
    *,
    private: str,
    cwd: str,
    work: str,
    env: dict[str, str],
    shm_size: int | None,
) -> list[str]:
    """The full command that runs `kernel_cmd` in a sandbox.

    `private` (the kernel's private folder, with its connection file and
    sockets) is bound at its own path, `work` (a private copy of the
    notebook's folder) at `cwd`.
    """
    bwrap = _bwrap()
    if bwrap is None:
        raise RuntimeError("bwrap not found (apt-get install bubblewrap)")
    here = os.path.dirname(os.path.abspath(__file__))
    binds: list[str] = []
    made = {"/", "/usr", "/tmp", "/proc", "/dev", "/etc", "/bin", "/lib", "/lib64", "/sbin"}

    def parents(path: str) -> None:
        # bwrap makes missing mount points with the source's parents' modes;
        # nobody must be able to walk them.
        for parent in _parents(path):
            if parent not in made:
                made.add(parent)
                binds.extend(["--perms", "0755", "--dir", parent])

    binds += ["--perms", "0755", "--dir", "/etc"]
    for path in ETC:
        if os.path.exists(path):
            binds += ["--ro-bind", path, path]
    # Both are memory: the cgroup counts their pages, and each has a size too.
    for tmpfs in ("/tmp", "/dev/shm"):
        binds += ["--perms", "1777"]
        if shm_size:
            binds += ["--size", str(shm_size)]
        binds += ["--tmpfs", tmpfs]
    for root in read_only_roots():
        parents(root)
        binds += ["--ro-bind", root, root]
    # The hidden suites and the known-wrong solutions stay out of sight.
    for hidden in ("suites", "mutants"):
        if os.path.isdir(os.path.join(here, hidden)):
            binds += ["--tmpfs", os.path.join(here, hidden)]
    parents(private)
    binds += ["--bind", private, private]
    parents(cwd)
    binds += ["--bind", work, cwd, "--chdir", cwd, "--clearenv"]
    for key, value in env.items():
        binds += ["--setenv", key, value]
    return [*_base_command(bwrap, binds), "--", *_drop_privileges(), "--", *kernel_cmd]


def kernel_env(private: str, token: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment of a sandboxed kernel: nothing of the grader's secrets."""
    venv_bin = os.path.dirname(os.path.abspath(sys.executable))
    env = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.path.join(private, "home"),
        "TMPDIR": "/tmp",
        "IPYTHONDIR": os.path.join(private, "ipython"),
        "MPLCONFIGDIR": os.path.join(private, "matplotlib"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MALLOC_ARENA_MAX": "2",
        "AUTOGRADER_KERNEL_TOKEN": token,
    }
    for key in PASS_ENV:
        value = os.environ.get(key)
        if value and len(value) < 64 and "/" not in value:
            env[key] = value
    # The harness's own settings (deadlines, strict mode), never anything else.
    for key in ("AUTOGRADER_DEADLINE", "AUTOGRADER_BUDGET", "AUTOGRADER_STRICT"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    env.update(extra or {})
    return env


def private_copy(source: str, target: str, max_size: int | None) -> list[str]:
    """Copy the regular files under `source` to `target`; return what was skipped, and why.

    Symbolic links, FIFOs, devices and sockets are never followed or opened,
    and files larger than `max_size` are left out.
    """
    skipped: list[str] = []
    if not os.path.isdir(source):
        return skipped
    for folder, dirs, files in os.walk(source, followlinks=False):
        rel = os.path.relpath(folder, source)
        dest = target if rel == "." else os.path.join(target, rel)
        os.makedirs(dest, exist_ok=True)
        for name in list(dirs):
            full = os.path.join(folder, name)
            if os.path.islink(full):
                dirs.remove(name)
                skipped.append(f"{os.path.normpath(os.path.join(rel, name))} (a symbolic link)")
        for name in files:
            full = os.path.join(folder, name)
            label = os.path.normpath(os.path.join(rel, name))
            try:
                info = os.lstat(full)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                skipped.append(f"{label} (a symbolic link)")
                continue
            if not stat.S_ISREG(info.st_mode):
                skipped.append(f"{label} (not a regular file)")
                continue
            if max_size and info.st_size > max_size:
                skipped.append(f"{label} (larger than {max_size} bytes)")
                continue
            try:
                fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                skipped.append(f"{label} (unreadable)")
                continue
            with os.fdopen(fd, "rb") as src:
                out = os.open(
                    os.path.join(dest, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                )
                with os.fdopen(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    return skipped


def give_to_kernel(path: str) -> None:
    """Hand a file or folder tree to the kernel's uid (when the grader is root)."""
    if not _is_root():
        return
    for folder, dirs, files in os.walk(path):
        os.chown(folder, NOBODY, NOBODY)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), NOBODY, NOBODY, follow_symlinks=False)
    os.chown(path, NOBODY, NOBODY)
