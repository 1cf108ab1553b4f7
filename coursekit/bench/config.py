"""What a benchmark run measures, and how often (QUICK and FULL)."""

from __future__ import annotations

import dataclasses
import multiprocessing
from typing import Any

SCHEMA = "coursekit.bench/1"
EXECUTORS = ("threads", "processes", "asyncio", "subinterpreters")
#: Seconds a pool may take to show that all its workers are running.
POOL_START_DEADLINE = 60.0


@dataclasses.dataclass(frozen=True)
class Config:
    """What to measure, and how many times.

    The CPU-bound job is `cpu_tasks` countdowns sized so that the whole job
    takes about `cpu_seconds` when run serially; it defaults to one task per
    worker at the largest worker count. The I/O-bound job is `io_waits` waits
    of `io_wait` seconds each.
    """

    mode: str = "quick"
    repeats: int = 3
    warmup: int = 1
    cpu_workers: tuple[int, ...] = (1, 2, 4)
    cpu_executors: tuple[str, ...] = ("threads", "processes")
    cpu_seconds: float = 0.5
    cpu_tasks: int | None = None
    io_workers: tuple[int, ...] = (1, 2, 4, 8, 16)
    io_executors: tuple[str, ...] = ("threads", "processes", "asyncio")
    io_waits: int = 16
    io_wait: float = 0.02
    start_method: str | None = None
    seed: int = 2024

    def replace(self, **changes: Any) -> Config:
        """Return a copy with some fields changed: ``QUICK.replace(repeats=5)``."""
        return dataclasses.replace(self, **changes)

    def validate(self) -> None:
        """Raise ValueError for settings that cannot give a meaningful measurement."""
        if self.repeats < 1 or self.warmup < 0:
            raise ValueError("repeats must be at least 1 and warmup at least 0")
        for name in ("cpu_workers", "io_workers"):
            counts = getattr(self, name)
            if any(int(n) != n or n < 1 for n in counts):
                raise ValueError(f"{name} must be whole numbers of at least 1: {counts!r}")
        for name in ("cpu_executors", "io_executors"):
            bad = set(getattr(self, name)) - set(EXECUTORS)
            if bad:
                raise ValueError(f"unknown executors in {name}: {sorted(bad)}")
        if self.cpu_seconds <= 0 or self.io_wait <= 0 or self.io_waits < 1:
            raise ValueError("cpu_seconds, io_wait and io_waits must be positive")
        if self.start_method is not None:
            if self.start_method not in multiprocessing.get_all_start_methods():
                raise ValueError(
                    f"start method {self.start_method!r} is not available here: "
                    f"use one of {multiprocessing.get_all_start_methods()}"
                )


#: About 20 s on an idle 2-core machine: what the lesson and CI run.
QUICK = Config()
#: For a real machine with more cores: bigger jobs, more rounds, up to 32 workers.
FULL = Config(
    mode="full",
    repeats=5,
    warmup=1,
    cpu_workers=(1, 2, 4, 8, 16),
    cpu_seconds=2.0,
    io_workers=(1, 2, 4, 8, 16, 32),
    io_waits=64,
    io_wait=0.1,
)
