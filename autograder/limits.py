"""Limits for grading kernels: a launcher that applies them, and a watchdog that enforces them.

A student's notebook runs in a Jupyter kernel that nbgrader starts. Three
mechanisms keep one bad notebook from hurting the grader, the machine or other
students:

* **The launcher** (this file run as a script) wraps the kernel command. Before
  it ``exec``s the kernel it joins the kernel's cgroup (so that nothing forked
  later escapes it) and sets resource limits (address space, CPU time, file
  size, no core files, and for non-root users the number of processes and
  threads). With the sandbox (:mod:`autograder.sandbox`) the command it
  ``exec``s is bubblewrap, to which it hands a seccomp filter. Without it, where
  the Linux kernel offers Landlock, it confines writes itself: the kernel may
  then write only below its working directory, its private temporary folder and
  ``/dev/shm``.
* **The watchdog** (:class:`Watchdog`, a thread in the grading process) reads
  ``/proc`` several times a second. It adds up the resident memory, the
  threads and processes, and the CPU time of the kernel and everything it
  started, and kills the whole tree when one of them passes its limit. It
  works as root too, where ``RLIMIT_NPROC`` is not enforced.
* **The sweep** at the end of every kernel kills whatever the kernel left
  behind: processes in its session, its descendants, and processes that carry
  its token in their environment. With the sandbox, the kernel's cgroup is
  frozen and emptied first, and its PID namespace dies with it.

This module imports only the standard library at module level, so the
launcher starts fast and never imports the ``autograder`` package.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import re
import signal
import sys
import threading
import time

# --------------------------------------------------------------------------
# Configuration

_SIZE = re.compile(r"^\s*([0-9.]+)\s*([kmgt]?)i?b?\s*$", re.I)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(value) -> int | None:
    """Turn 2147483648, "2G", "512 MiB" or "1.5g" into bytes; None and 0 mean no limit."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return int(value) or None
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(f"not a size: {value!r} (use bytes, or a number with K, M, G or T)")
    number, unit = match.groups()
    return int(float(number) * _UNITS[unit.lower()]) or None


def format_size(n: int | None) -> str:
    if not n:
        return "unlimited"
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n} bytes"


@dataclasses.dataclass
class Limits:
    """Limits for one grading kernel and all the processes it starts.

    ``None`` (or 0) switches a limit off. Sizes are bytes.
    """

    #: Memory of the kernel and its children together: the kernel's cgroup (which counts
    #: files in its /tmp and /dev/shm too), and the watchdog (resident memory).
    memory: int | None = 2 << 30
    #: Virtual address space of each process (RLIMIT_AS): a huge allocation
    #: fails with MemoryError inside the cell instead of getting the kernel killed.
    address_space: int | None = 8 << 30
    #: Threads plus processes in the kernel's tree, the kernel's own included (watchdog;
    #: the cgroup's pids.max a little above it; RLIMIT_NPROC for non-root users).
    tasks: int | None = 256
    #: CPU seconds used by the kernel and its children (watchdog: the live tree, or the
    #: cgroup's total with the dead included; and RLIMIT_CPU per process).
    cpu_seconds: float | None = 600
    #: Bytes of output one cell may record in the notebook; the rest is dropped.
    output_bytes: int | None = 1 << 20
    #: Largest file the kernel may write (RLIMIT_FSIZE).
    file_size: int | None = 256 << 20
    #: Confine the kernel: namespaces and a cgroup (autograder.sandbox) where the host
    #: allows them, else Landlock on writes where the Linux kernel supports it.
    sandbox: bool = True
    #: Refuse to start a kernel that cannot get namespaces and a cgroup.
    require_sandbox: bool = False
    #: Seconds between two watchdog checks.
    poll_interval: float = 0.1

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Limits:
        return cls(**json.loads(text))



# --------------------------------------------------------------------------
# Landlock (Linux 5.13+): unprivileged file-system sandboxing via three syscalls.
# The syscall numbers are the same on every architecture Linux added them for.

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_CHILD_SUBREAPER = 36

_WRITE_FILE = 1 << 1
_REMOVE_DIR, _REMOVE_FILE = 1 << 4, 1 << 5
_MAKE = sum(1 << b for b in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
_REFER = 1 << 13  # ABI 2
_TRUNCATE = 1 << 14  # ABI 3


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def landlock_abi() -> int:
    """Return the Landlock ABI version the running Linux kernel offers (0: none)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        libc = _libc()
        abi = libc.syscall(
            ctypes.c_long(_SYS_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(1)
        )
    except (OSError, AttributeError):
        return 0
    return max(0, int(abi))


def restrict_writes(allowed: list[str]) -> int:
    """Allow this process and its future children to write only below `allowed` paths.

    Reading and executing stay unrestricted. Returns the Landlock ABI used,
    or 0 when the Linux kernel has no Landlock (nothing is restricted then).
    """
    abi = landlock_abi()
    if abi < 1:
        return 0
    libc = _libc()
    handled = _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE
    if abi >= 2:
        handled |= _REFER
    if abi >= 3:
        handled |= _TRUNCATE
    file_rights = _WRITE_FILE | (_TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(handled)
    ruleset = libc.syscall(
        ctypes.c_long(_SYS_CREATE_RULESET),
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
        ctypes.c_uint32(0),
    )
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path in allowed:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a folder that does not exist needs no rule
            try:
                is_dir = os.path.isdir(path)
                rule = _PathBeneath(handled if is_dir else file_rights, fd)
                if (
                    libc.syscall(
                        ctypes.c_long(_SYS_ADD_RULE),
                        ctypes.c_int(ruleset),
                        ctypes.c_int(_RULE_PATH_BENEATH),
                        ctypes.byref(rule),
                        ctypes.c_uint32(0),
                    )
                    < 0
                ):
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if (
            libc.syscall(
                ctypes.c_long(_SYS_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)
            )
            < 0
        ):
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi


def become_subreaper() -> bool:
    """Make orphaned descendants of this process re-parent to it, so a sweep can find them."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return _libc().prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


# --------------------------------------------------------------------------
# The launcher: `python limits.py LIMITS_JSON WRITABLE_JSON -- kernel command ...`


def _user_tasks(uid: int) -> int:
    """Count the threads that processes of `uid` run now (what RLIMIT_NPROC counts)."""
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as fh:
                status = fh.read()
        except OSError:
            continue
        uid_line = re.search(rb"^Uid:\s+(\d+)", status, re.M)
        threads = re.search(rb"^Threads:\s+(\d+)", status, re.M)
        if uid_line and threads and int(uid_line.group(1)) == uid:
            count += int(threads.group(1))
    return count


def apply_rlimits(limits: Limits) -> None:
    """Set this process's resource limits (they are inherited by everything it starts)."""
    import resource

    def setlimit(kind, soft, hard=None):
        hard = soft if hard is None else hard
        _, old_hard = resource.getrlimit(kind)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(kind, (soft, hard))

    setlimit(resource.RLIMIT_CORE, 0)
    if limits.address_space:
        setlimit(resource.RLIMIT_AS, limits.address_space)
    if limits.cpu_seconds:
        # SIGXCPU at the soft limit, SIGKILL a little later.
        seconds = int(limits.cpu_seconds) + 1
        setlimit(resource.RLIMIT_CPU, seconds, seconds + 5)
    if limits.file_size:
        setlimit(resource.RLIMIT_FSIZE, limits.file_size)
    if limits.tasks and os.getuid() != 0:
        # RLIMIT_NPROC counts every thread of this user, not just ours, and root
        # ignores it: a backstop for the watchdog, with room for the user's others.
        setlimit(resource.RLIMIT_NPROC, _user_tasks(os.getuid()) + 2 * limits.tasks)


_NO_LIMITS = {
    "memory": None, "address_space": None, "tasks": None, "cpu_seconds": None,
    "output_bytes": None, "file_size": None,
}  # fmt: skip


def launch(argv: list[str]) -> None:
    """Apply the limits and the sandbox, then exec the kernel command (never returns).

    ``limits.py LIMITS_JSON WRITABLE_JSON [--cgroup PROCS_JSON] [--namespaces]
    [--seccomp HEX] -- COMMAND``.
    ``--cgroup`` joins the kernel's cgroup (the ``cgroup.procs`` files of each
    hierarchy) before anything forks. ``--namespaces`` says that COMMAND is
    the bubblewrap sandbox (:mod:`autograder.sandbox`), which confines files by
    itself: no Landlock then.
    """
    if "--" not in argv or len(argv) < 3:
        raise SystemExit(
            "usage: limits.py LIMITS_JSON WRITABLE_JSON [--cgroup PROCS_JSON] [--namespaces] "
            "[--seccomp HEX] -- COMMAND ..."
        )
    split = argv.index("--")
    limits = Limits.from_json(argv[0]) if argv[0] != "{}" else Limits(**_NO_LIMITS)
    writable = json.loads(argv[1])
    options = argv[2:split]
    command = argv[split + 1 :]
    namespaces = False
    while options:
        option = options.pop(0)
        if option == "--cgroup":
            # Join the kernel's cgroup before anything forks, so nothing escapes it.
            for procs in json.loads(options.pop(0)):
                with open(procs, "w") as fh:
                    fh.write(str(os.getpid()))
        elif option == "--namespaces":
            namespaces = True
        elif option == "--seccomp":
            # bwrap --seccomp FD: a classic BPF program, which bwrap loads just
            # before it runs COMMAND's COMMAND (autograder.sandbox.seccomp_filter).
            fd = os.memfd_create("autograder-seccomp", 0)
            os.write(fd, bytes.fromhex(options.pop(0)))
            os.lseek(fd, 0, os.SEEK_SET)
            os.set_inheritable(fd, True)
            command[1:1] = ["--seccomp", str(fd)]
        else:
            raise SystemExit(f"limits.py: unknown option {option}")
    apply_rlimits(limits)
    if namespaces:
        os.environ["AUTOGRADER_SANDBOX"] = "namespaces"
    elif limits.sandbox:
        try:
            abi = restrict_writes(writable)
        except OSError as exc:
            abi = 0
            os.environ["AUTOGRADER_SANDBOX"] = f"failed: {exc}"
        else:
            os.environ["AUTOGRADER_SANDBOX"] = f"landlock-{abi}" if abi else "unavailable"
    else:
        os.environ["AUTOGRADER_SANDBOX"] = "off"
    os.execvp(command[0], command)


# --------------------------------------------------------------------------
# The watchdog


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclasses.dataclass
class _Proc:
    pid: int
    ppid: int
    session: int
    threads: int
    rss: int  # bytes
    cpu: float  # seconds
    start: int  # clock ticks after boot
    zombie: bool


def _read_stat(pid: int) -> _Proc | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    rest = raw[raw.rfind(b")") + 2 :].split()
    try:
        return _Proc(
            pid=pid,
            ppid=int(rest[1]),
            session=int(rest[3]),
            threads=int(rest[17]),
            rss=int(rest[21]) * _PAGE,
            cpu=(int(rest[11]) + int(rest[12])) / _CLK_TCK,
            start=int(rest[19]),
            zombie=rest[0] == b"Z",
        )
    except (IndexError, ValueError):
        return None


def _pss(pid: int) -> int | None:
    """Return a process's proportional set size in bytes (shared pages split fairly)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _all_processes() -> dict[int, _Proc]:
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            proc = _read_stat(int(name))
            if proc is not None:
                out[proc.pid] = proc
    return out


def _has_token(pid: int, token: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return token in fh.read()
    except OSError:
        return False


def _below(roots, procs: dict[int, _Proc], skip: int | None = None) -> set[int]:
    """The pids in `procs` under `roots` by parent links, to any depth (`skip` and
    what is under it left out)."""
    children: dict[int, list[int]] = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p.pid)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found and child != skip:
                found.add(child)
                stack.append(child)
    return found


def descendants(pid: int) -> list[int]:
    """Every process under `pid` now, to any depth."""
    return sorted(_below([pid], _all_processes()))


def with_environ(needle: bytes) -> list[int]:
    """Every process but this one whose environment holds `needle` (e.g. ``b"NAME=value"``)."""
    me = os.getpid()
    return [pid for pid in _all_processes() if pid != me and _has_token(pid, needle)]


class Watchdog:
    """Watch one kernel's process tree; kill the tree when it passes a limit.

    ``reason`` says why it killed (None while it has not). Call :meth:`stop`
    when the kernel is done: it stops watching and sweeps away every process
    the kernel left behind.
    """

    def __init__(self, pid: int, limits: Limits, token: str = "", cpu_usage=None):
        self.pid = pid
        self.limits = limits
        #: A function that returns the CPU seconds of everything the kernel ever
        #: ran, the dead included (its cgroup's), or None.
        self.cpu_usage = cpu_usage
        self.token = f"AUTOGRADER_KERNEL_TOKEN={token}".encode() if token else b""
        self.reason: str | None = None
        self.peak = {"memory": 0, "tasks": 0, "cpu": 0.0}
        self._me = os.getpid()
        self._my_session = os.getsid(0)
        first = _read_stat(pid)
        self._start = first.start if first else 0
        self._known_children = {
            p.pid for p in _all_processes().values() if p.ppid == self._me and p.pid != pid
        }
        # pid -> start time of every process seen in the tree; the start time
        # keeps a recycled pid from being taken for one of ours.
        self._seen: dict[int, int] = {pid: self._start}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="autograder-watchdog", daemon=True)

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    # ---------------------------------------------------------------- tree

    def tree(self, procs: dict[int, _Proc] | None = None, *, sweep: bool = False) -> list[_Proc]:
        """Return the processes that belong to the kernel (itself included while alive)."""
        procs = _all_processes() if procs is None else procs
        members = {
            p.pid
            for p in procs.values()
            if p.pid == self.pid or (p.session == self.pid and p.pid != self._me)
        }
        # Orphans re-parented to this (subreaper) process, started after the kernel.
        for p in procs.values():
            if (
                p.ppid == self._me
                and p.pid not in self._known_children
                and p.session != self._my_session
                and p.start >= self._start
            ):
                members.add(p.pid)
        if sweep and self.token:
            members.update(
                p.pid for p in procs.values() if p.pid != self._me and _has_token(p.pid, self.token)
            )
        seen = {
            pid for pid, start in self._seen.items() if pid in procs and procs[pid].start == start
        }
        members |= _below(members | seen, procs, skip=self._me)
        members.discard(self._me)
        self._seen.update((pid, procs[pid].start) for pid in members if pid in procs)
        return [procs[pid] for pid in members if pid in procs]

    # ---------------------------------------------------------------- watching

    def check(self) -> str | None:
        """Measure the tree once; return the reason for a kill, or None."""
        tree = self.tree()
        live = [p for p in tree if not p.zombie]
        memory = sum(p.rss for p in live)
        tasks = sum(max(p.threads, 1) for p in tree)
        cpu = sum(p.cpu for p in live)
        if self.cpu_usage is not None:
            cpu = max(cpu, self.cpu_usage() or 0.0)
        self.peak["memory"] = max(self.peak["memory"], memory)
        self.peak["tasks"] = max(self.peak["tasks"], tasks)
        self.peak["cpu"] = max(self.peak["cpu"], cpu)
        lim = self.limits
        if lim.tasks and tasks > lim.tasks:
            return (
                f"the notebook started more than {lim.tasks} threads and processes "
                f"({tasks} running) and was stopped"
            )
        if lim.memory and memory > lim.memory:
            # Resident sizes count pages that forked children share with the
            # kernel once per process; decide on proportional sizes instead.
            pss = [_pss(p.pid) for p in live]
            memory = sum(p.rss if v is None else v for v, p in zip(pss, live, strict=True))
            if memory > lim.memory:
                return (
                    f"the notebook used more than {format_size(lim.memory)} of memory "
                    f"({format_size(memory)}) and was stopped"
                )
        if lim.cpu_seconds and cpu > lim.cpu_seconds:
            return f"the notebook used more than {lim.cpu_seconds:g} s of CPU time and was stopped"
        return None

    def _run(self) -> None:
        while not self._stop.wait(self.limits.poll_interval):
            if _read_stat(self.pid) is None and not self.tree():
                return
            reason = self.check()
            if reason:
                self.reason = reason
                self.kill()
                return

    # ---------------------------------------------------------------- killing

    def kill(self, *, sweep: bool = False) -> int:
        """Kill the kernel's whole tree; return how many processes were killed."""
        killed: set[int] = set()
        for _ in range(50):
            with _suppress():
                os.killpg(self.pid, signal.SIGKILL)
            tree = [p for p in self.tree(sweep=sweep) if not p.zombie or p.ppid == self._me]
            targets = [p for p in tree if not p.zombie]
            for p in targets:
                with _suppress():
                    os.kill(p.pid, signal.SIGKILL)
                killed.add(p.pid)
            self._reap(tree)
            if not targets:
                break
            time.sleep(0.02)
        return len(killed)

    def _reap(self, tree: list[_Proc]) -> None:
        # Orphans adopted by this process are its children now: reap them so
        # they do not linger as zombies. The kernel itself is left to its
        # Popen object, which reaps it.
        for p in tree:
            if p.ppid == self._me and p.pid != self.pid:
                with _suppress():
                    os.waitpid(p.pid, os.WNOHANG)

    def stop(self) -> int:
        """Stop watching and kill everything the kernel left behind."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5)
        if not [p for p in self.tree(sweep=True) if not p.zombie]:
            return 0
        return self.kill(sweep=True)


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        return kind is not None and issubclass(kind, OSError)


def describe_exit(code: int | None) -> str:
    """Say in words how a kernel process ended, from its exit status."""
    if code is None:
        return "stopped responding"
    if code < 0:
        sig = -code
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        what = {
            signal.SIGSEGV: "crashed with a segmentation fault",
            signal.SIGBUS: "crashed with a bus error",
            signal.SIGABRT: "aborted",
            signal.SIGKILL: "was killed (by a limit, or by the out-of-memory killer)",
            signal.SIGXCPU: "ran out of CPU time",
            signal.SIGXFSZ: "wrote a file larger than the limit",
        }.get(sig, "was killed")
        return f"{what} ({name})"
    return f"exited with status {code} (os._exit() or a fatal error)"


if __name__ == "__main__":
    launch(sys.argv[1:])
