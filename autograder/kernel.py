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
import sys
import tempfile
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any

from .limits import Limits, Watchdog, become_subreaper, describe_exit

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
        self.token = uuid.uuid4().hex

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        limits = self.limits or Limits()
        become_subreaper()
        self.private_dir = tempfile.mkdtemp(prefix="autograder-kernel-")
        cwd = kw.get("cwd") or os.getcwd()
        env = dict(kw.get("env") or os.environ)
        tmp = os.path.join(self.private_dir, "tmp")
        os.makedirs(tmp)
        mpl = os.path.join(self.private_dir, "matplotlib")
        os.makedirs(mpl)
        cache = _matplotlib_cache()
        if cache:
            # A warm font cache: building one prints a warning to stderr, and
            # stderr in a test cell scores 0.
            for font_list in cache.glob("fontlist-*.json"):
                shutil.copy(font_list, mpl)
        env.update(
            TMPDIR=tmp,
            TEMP=tmp,
            TMP=tmp,
            IPYTHONDIR=os.path.join(self.private_dir, "ipython"),
            MPLCONFIGDIR=mpl,
            MALLOC_ARENA_MAX="2",
            PYTHONDONTWRITEBYTECODE="1",
            AUTOGRADER_KERNEL_TOKEN=self.token,
        )
        kw["env"] = env
        writable = [cwd, self.private_dir, "/dev/shm", os.devnull]
        command = [
            sys.executable,
            LAUNCHER,
            limits.to_json(),
            json.dumps(writable),
            "--",
            *kernel_cmd,
        ]
        await super()._async_launch_kernel(command, **kw)
        pid = self.provisioner.process.pid if self.provisioner else None
        if pid:
            self.watchdog = Watchdog(pid, limits, self.token).start()

    def exit_code(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return process.poll() if process is not None else None

    def death_reason(self) -> str:
        """Say why the kernel is gone: a limit the watchdog enforced, or how it ended."""
        if self.watchdog and self.watchdog.reason:
            return self.watchdog.reason
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
        if self.private_dir:
            shutil.rmtree(self.private_dir, ignore_errors=True)
            self.private_dir = None
