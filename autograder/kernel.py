"""The kernel manager for grading kernels: a sandbox, limits, a watchdog, and cleanup.

:class:`LimitedKernelManager` starts each grading kernel through the limits
launcher (:mod:`autograder.limits`), which joins the kernel's cgroup, sets the
rlimits and ``exec``s bubblewrap, which runs the kernel in namespaces of its own
as an unprivileged user (:mod:`autograder.sandbox`). Where the host cannot make
that sandbox, the launcher confines writes with Landlock instead. Either way a
:class:`~autograder.limits.Watchdog` watches the kernel's process tree.
:class:`autograder.preprocessors.SafeExecute` uses it for every kernel it starts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any

from . import _native, sandbox
from .limits import Limits, Watchdog, become_subreaper, describe_exit, format_size

LAUNCHER = str(Path(__file__).with_name("limits.py"))
#: Room in the cgroup's task limit above the watchdog's, so that the watchdog,
#: which says why, is the one that stops a fork or thread bomb.
TASK_MARGIN = 16
#: Largest /tmp and /dev/shm of a sandboxed kernel (both are memory, too).
TMPFS_MAX = 512 << 20
#: Variables the launcher and bwrap (never the kernel) keep, for finding leftovers.
OUTER_ENV = ("AUTOGRADER_WORKER_MARKER",)


def _matplotlib_cache() -> Path | None:
    if os.environ.get("MPLCONFIGDIR"):
        return Path(os.environ["MPLCONFIGDIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "matplotlib"
    return path if path.is_dir() else None


class LimitedKernelManager(AsyncKernelManager):
    """Start the kernel in a sandbox (or with Landlock) under limits, watched by a :class:`Watchdog`.

    After the kernel started, ``sandboxed`` says whether it runs in the
    namespaces, ``sandbox_status`` what :func:`autograder.sandbox.probe` found,
    ``skipped`` lists the files of the notebook's folder that the kernel's private
    copy left out (and why), and :meth:`share` hands the kernel a private file.
    """

    limits = Any(None, allow_none=True, help="an autograder.limits.Limits").tag(config=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.private_dir: str | None = None
        self.layout: sandbox.Layout | None = None
        self.watchdog: Watchdog | None = None
        self.cgroup: sandbox.Cgroup | None = None
        self.sandboxed = False
        self.sandbox_status: sandbox.SandboxStatus | None = None
        #: Files of the notebook's folder that were not given to the kernel, and why.
        self.skipped: list[str] = []
        self.token = uuid.uuid4().hex
        self.kernel_uid = os.geteuid()
        self._share_fd: int | None = None
        self._oom_kills = 0

    # ---------------------------------------------------------------- set-up

    def _use_sandbox(self) -> bool:
        limits = self.limits or Limits()
        if not limits.sandbox:
            if limits.require_sandbox:
                raise RuntimeError(
                    "the kernel sandbox is required (require_sandbox) but switched off "
                    "(c.SafeExecute.sandbox = False)"
                )
            return False
        status = self.sandbox_status = sandbox.probe()
        if limits.require_sandbox and not status.ok:
            raise RuntimeError(
                f"the kernel sandbox is required (require_sandbox) but this host cannot make it: "
                f"{status.describe()}"
            )
        return status.namespaces

    def _prepare(self) -> sandbox.Layout:
        """Decide on the sandbox and make the private folder (once per kernel start)."""
        if self.layout is not None:
            return self.layout
        self.sandboxed = self._use_sandbox()
        # The seal's subinterpreter guard is compiled here, before the kernel sees the
        # (read-only) course: the kernel has no compiler.
        _native.status()
        self.kernel_uid = sandbox.kernel_uid() if self.sandboxed else os.geteuid()
        self.private_dir = sandbox.make_private_dir()
        self.layout = sandbox.Layout(self.private_dir)
        self.layout.create()
        self._share_fd = os.open(
            self.layout.share, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
        )
        return self.layout

    async def _async_pre_start_kernel(self, **kw):
        layout = self._prepare()
        # The connection file and, in the sandbox, the kernel's sockets live in
        # its private folder: with its own network namespace the kernel cannot
        # reach a TCP port of the grader, but the grader reaches a Unix socket.
        self.connection_file = layout.connection_file
        if self.sandboxed:
            self.transport = "ipc"
            self.ip = os.path.join(layout.ipc, "k")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        limits = self.limits or Limits()
        become_subreaper()
        layout = self._prepare()
        cwd = os.path.abspath(kw.get("cwd") or os.getcwd())  # noqa: ASYNC240
        cache = _matplotlib_cache()
        if cache:
            # A warm font cache: building one prints a warning to stderr, and
            # stderr in a test cell scores 0.
            for font_list in cache.glob("fontlist-*.json"):
                shutil.copy(font_list, layout.matplotlib)
        if self.sandboxed:
            command = self._sandboxed(kernel_cmd, limits, cwd, kw)
        else:
            command = self._limited(kernel_cmd, limits, cwd, kw)
        # The kernel's own stdout and stderr would be the grader's terminal: a
        # notebook could write control characters there with os.write(1, ...).
        kw["stdout"] = subprocess.DEVNULL
        kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        try:
            await super()._async_launch_kernel(command, **kw)
        except BaseException:
            self.release()
            raise
        pid = self.provisioner.process.pid if self.provisioner else None
        if pid:
            cpu = self.cgroup.cpu_seconds if self.cgroup is not None else None
            self.watchdog = Watchdog(pid, limits, self.token, cpu_usage=cpu).start()

    def _limited(self, kernel_cmd, limits, cwd, kw) -> list[str]:
        """Without namespaces: rlimits, Landlock on writes, and the watchdog."""
        layout = self.layout
        env = dict(kw.get("env") or os.environ)
        env.update(
            TMPDIR=layout.tmp,
            TEMP=layout.tmp,
            TMP=layout.tmp,
            IPYTHONDIR=layout.ipython,
            MPLCONFIGDIR=layout.matplotlib,
            MALLOC_ARENA_MAX="2",
            PYTHONDONTWRITEBYTECODE="1",
            AUTOGRADER_KERNEL_TOKEN=self.token,
        )
        kw["env"] = env
        writable = [cwd, layout.private, "/dev/shm", os.devnull]
        return [
            sys.executable, "-I", "-S", LAUNCHER, limits.to_json(), json.dumps(writable),
            "--", *kernel_cmd,
        ]  # fmt: skip

    def _sandboxed(self, kernel_cmd, limits, cwd, kw) -> list[str]:
        """In namespaces and a cgroup: see autograder/sandbox.py."""
        layout = self.layout
        # The kernel works on a private copy: nothing it writes (a link named
        # like the notebook, say) reaches the course.
        self.skipped = sandbox.private_copy(cwd, layout.work, limits.file_size)
        layout.give(self.kernel_uid, self.kernel_uid)
        # Interrupts go as messages (ipykernel then signals itself): a signal
        # to bwrap would not reach the kernel inside its own PID namespace.
        self.kernel_spec.interrupt_mode = "message"
        size = min(limits.memory or TMPFS_MAX, TMPFS_MAX)
        command = sandbox.command(
            kernel_cmd,
            layout=layout,
            cwd=cwd,
            env=sandbox.kernel_env(layout, self.token),
            tmpfs_size=size,
        )
        procs = None
        if self.sandbox_status is not None and self.sandbox_status.cgroup:
            group = sandbox.Cgroup(
                f"k-{self.token[:20]}",
                memory=limits.memory,
                tasks=limits.tasks + TASK_MARGIN if limits.tasks else None,
            )
            try:
                group.create()
            except OSError as exc:
                if limits.require_sandbox:
                    raise RuntimeError(
                        f"the kernel sandbox is required but its cgroup could not be made: {exc}"
                    ) from None
            else:
                self.cgroup = group
                # The launcher joins it before bwrap forks: nothing escapes it.
                procs = group.procs_files()
        # The launcher and bwrap get only this; the kernel gets kernel_env().
        outer = {"PATH": os.environ.get("PATH") or "/usr/bin:/bin"}
        outer["AUTOGRADER_KERNEL_TOKEN"] = self.token
        outer.update((k, os.environ[k]) for k in OUTER_ENV if k in os.environ)
        kw["env"] = outer
        return sandbox.launcher(command, limits.to_json(), procs)

    # ---------------------------------------------------------------- the drop box

    def share(self, name: str, data: bytes) -> str:
        """Put a file (mode 0600, the kernel's) where only this kernel can read it.

        Return its path as the kernel sees it. The kernel may read and delete
        it. Works before and after the kernel started, sandboxed or not.
        """
        layout = self._prepare()
        name = os.path.basename(name)
        owner = self.kernel_uid if self.sandboxed else None
        sandbox.write_private_file(self._share_fd, name, data, owner)
        # The share folder is mounted in the sandbox at its own path.
        return os.path.join(layout.share, name)

    # ---------------------------------------------------------------- the end

    def exit_code(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return process.poll() if process is not None else None

    def death_reason(self) -> str:
        """Say why the kernel is gone: a limit the watchdog enforced, or how it ended."""
        if self.watchdog and self.watchdog.reason:
            return self.watchdog.reason
        oom = self.cgroup.oom_kills() if self.cgroup is not None else self._oom_kills
        if oom:
            limit = format_size((self.limits or Limits()).memory)
            return (
                f"the notebook used more than {limit} of memory (files in /tmp and /dev/shm "
                "count) and was stopped"
            )
        code = self.exit_code()
        if code is None and self.provisioner is not None:
            return "the kernel stopped responding"
        return f"the kernel {describe_exit(code)}"

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            self.release()

    # AsyncKernelManager binds the base class's function to this name, so
    # that overriding the private one alone would miss a kernel that died.
    cleanup_resources = _async_cleanup_resources

    def release(self) -> None:
        """Kill everything the kernel started, stop the watchdog, remove its folders (idempotent)."""
        group, self.cgroup = self.cgroup, None
        if group is not None:
            # Everything the kernel started, however it forked or detached.
            self._oom_kills = group.oom_kills()
            group.kill_all()
        if self.watchdog is not None:
            self.watchdog.stop()
        if group is not None:
            group.remove()
        if self._share_fd is not None:
            os.close(self._share_fd)
            self._share_fd = None
        if self.private_dir:
            shutil.rmtree(self.private_dir, ignore_errors=True)
            self.private_dir = None
        self.layout = None

    def __del__(self) -> None:
        # A manager dropped without a shutdown must not leave a cgroup behind.
        try:
            if self.cgroup is not None:
                self.cgroup.remove()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown
            pass
        super().__del__()
