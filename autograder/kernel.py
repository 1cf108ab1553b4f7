"""The kernel manager for grading kernels: limits, a watchdog, and cleanup.

:class:`LimitedKernelManager` starts each grading kernel through the limits
launcher (:mod:`autograder.limits`) and watches it with a
:class:`~autograder.limits.Watchdog`. :class:`autograder.preprocessors.SafeExecute`
uses it for every kernel it starts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any

from . import sandbox
from .limits import Limits, Watchdog, become_subreaper, describe_exit, format_size

LAUNCHER = str(Path(__file__).with_name("limits.py"))


def _matplotlib_cache() -> Path | None:
    if os.environ.get("MPLCONFIGDIR"):
        return Path(os.environ["MPLCONFIGDIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "matplotlib"
    return path if path.is_dir() else None


class LimitedKernelManager(AsyncKernelManager):
    """Start the kernel through the limits launcher and watch it with a :class:`Watchdog`."""

    limits = Any(None, allow_none=True, help="an autograder.limits.Limits").tag(config=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.private_dir: str | None = None
        self.watchdog: Watchdog | None = None
        self.cgroup: sandbox.Cgroup | None = None
        self.sandboxed = False
        #: Files of the notebook's folder that were not given to the kernel, and why.
        self.skipped: list[str] = []
        self.token = uuid.uuid4().hex

    def _use_sandbox(self) -> bool:
        limits = self.limits or Limits()
        if not limits.sandbox:
            if limits.require_sandbox:
                raise RuntimeError(
                    "the sandbox is required but switched off (c.SafeExecute.sandbox)"
                )
            return False
        status = sandbox.probe()
        if limits.require_sandbox and not status.ok:
            raise RuntimeError(f"the sandbox is required but unavailable: {status.describe()}")
        return status.namespaces

    async def _async_pre_start_kernel(self, **kw):
        # The private folder holds the connection file and, in the sandbox, the
        # kernel's sockets: with its own network namespace the kernel cannot
        # reach a TCP port of the grader, but it can reach a Unix socket here.
        if self.private_dir is None:
            self.private_dir = tempfile.mkdtemp(prefix="autograder-kernel-")
        self.sandboxed = self._use_sandbox()
        if self.sandboxed:
            self.transport = "ipc"
            self.ip = os.path.join(self.private_dir, "k")
            self.connection_file = os.path.join(self.private_dir, "kernel.json")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        limits = self.limits or Limits()
        become_subreaper()
        if self.private_dir is None:
            self.private_dir = tempfile.mkdtemp(prefix="autograder-kernel-")
        private = self.private_dir
        cwd = os.path.abspath(kw.get("cwd") or os.getcwd())  # noqa: ASYNC240
        mpl = os.path.join(private, "matplotlib")
        os.makedirs(mpl, exist_ok=True)
        for name in ("tmp", "home", "ipython", "share"):
            os.makedirs(os.path.join(private, name), exist_ok=True)
        cache = _matplotlib_cache()
        if cache:
            # A warm font cache: building one prints a warning to stderr, and
            # stderr in a test cell scores 0.
            for font_list in cache.glob("fontlist-*.json"):
                shutil.copy(font_list, mpl)
        if self.sandboxed:
            command = self._sandboxed(kernel_cmd, limits, cwd, kw)
        else:
            command = self._limited(kernel_cmd, limits, cwd, kw)
        # The kernel's own stdout and stderr would be the grader's terminal: a
        # notebook could write control characters there with os.write(1, ...).
        kw["stdout"] = subprocess.DEVNULL
        kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        await super()._async_launch_kernel(command, **kw)
        pid = self.provisioner.process.pid if self.provisioner else None
        if pid:
            self.watchdog = Watchdog(pid, limits, self.token).start()

    def _limited(self, kernel_cmd, limits, cwd, kw) -> list[str]:
        """Without namespaces: rlimits, Landlock on writes, and the watchdog."""
        private = self.private_dir
        tmp = os.path.join(private, "tmp")
        env = dict(kw.get("env") or os.environ)
        env.update(
            TMPDIR=tmp,
            TEMP=tmp,
            TMP=tmp,
            IPYTHONDIR=os.path.join(private, "ipython"),
            MPLCONFIGDIR=os.path.join(private, "matplotlib"),
            MALLOC_ARENA_MAX="2",
            PYTHONDONTWRITEBYTECODE="1",
            AUTOGRADER_KERNEL_TOKEN=self.token,
        )
        kw["env"] = env
        writable = [cwd, private, "/dev/shm", os.devnull]
        return [sys.executable, LAUNCHER, limits.to_json(), json.dumps(writable), "--", *kernel_cmd]

    def _sandboxed(self, kernel_cmd, limits, cwd, kw) -> list[str]:
        """In namespaces and a cgroup: see autograder/sandbox.py."""
        private = self.private_dir
        work = os.path.join(private, "work")
        os.makedirs(work, exist_ok=True)
        # The kernel works on a private copy: nothing it writes (a symlink
        # named like the notebook, say) reaches the course.
        self.skipped = sandbox.private_copy(cwd, work, limits.file_size)
        sandbox.give_to_kernel(private)
        os.chmod(private, 0o755)
        # Interrupts go as messages: a signal to bwrap would not reach the
        # kernel inside its own PID namespace.
        self.kernel_spec.interrupt_mode = "message"
        env = sandbox.kernel_env(private, self.token)
        shm = min(limits.memory or (512 << 20), 512 << 20)
        command = sandbox.command(
            kernel_cmd, private=private, cwd=cwd, work=work, env=env, shm_size=shm
        )
        options: list[str] = []
        status = sandbox.probe()
        if status.cgroup:
            self.cgroup = sandbox.Cgroup(self.token[:16], memory=limits.memory, tasks=limits.tasks)
            try:
                self.cgroup.create()
                options = ["--cgroup", json.dumps(self.cgroup.procs_files())]
            except OSError:
                self.cgroup.remove()
                self.cgroup = None
        # Only what bwrap itself needs: the kernel gets env above, nothing else.
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        return [sys.executable, LAUNCHER, limits.to_json(), "[]", *options, "--", *command]

    def share(self, name: str, data: bytes) -> str:
        """Put a private file where only this kernel can read it; return its path there."""
        if self.private_dir is None:
            self.private_dir = tempfile.mkdtemp(prefix="autograder-kernel-")
        folder = os.path.join(self.private_dir, "share")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, os.path.basename(name))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if self.sandboxed:
            sandbox.give_to_kernel(folder)
        # The private folder is bound into the sandbox at its own path.
        return path

    def exit_code(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return process.poll() if process is not None else None

    def death_reason(self) -> str:
        """Say why the kernel is gone: a limit the watchdog enforced, or how it ended."""
        if self.watchdog and self.watchdog.reason:
            return self.watchdog.reason
        if self.cgroup is not None and self.cgroup.oom_kills():
            limit = (self.limits or Limits()).memory
            return f"the notebook used more than its {format_size(limit)} of memory and was stopped"
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
        """Stop the watchdog, kill leftovers, remove the private folder (idempotent)."""
        if self.watchdog is not None:
            self.watchdog.stop()
        if self.cgroup is not None:
            # Everything the kernel started, however it forked or detached.
            self.cgroup.remove()
            self.cgroup = None
        if self.private_dir:
            shutil.rmtree(self.private_dir, ignore_errors=True)
            self.private_dir = None
