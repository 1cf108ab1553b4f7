"""The measurement: interleaved, warmed-up rounds, paired with a serial run."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import multiprocessing
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from .config import QUICK, SCHEMA, Config
from .environment import _load_average, environment
from .executors import measure_parallel, unavailable_reason
from .workloads import calibrate_countdown, countdown, io_wait, io_wait_async


def _workloads(config: Config, countdown_n: int | None = None) -> dict[str, dict[str, Any]]:
    cpu_tasks = config.cpu_tasks or max(config.cpu_workers)
    if countdown_n is None:
        countdown_n = calibrate_countdown(config.cpu_seconds)
    return {
        "cpu": {
            "label": "CPU-bound",
            "task": "countdown",
            "tasks": cpu_tasks,
            "size": max(1, countdown_n // cpu_tasks),
            "description": f"{cpu_tasks} countdowns of {max(1, countdown_n // cpu_tasks):,} steps",
            "executors": list(config.cpu_executors),
            "workers": list(config.cpu_workers),
        },
        "io": {
            "label": "I/O-bound",
            "task": "sleep",
            "tasks": config.io_waits,
            "size": config.io_wait,
            "description": (
                f"{config.io_waits} waits of {config.io_wait * 1000:g} ms "
                f"({config.io_waits * config.io_wait:g} s serially)"
            ),
            "executors": list(config.io_executors),
            "workers": list(config.io_workers),
        },
    }


def _trial(
    workload: dict[str, Any], executor: str, workers: int, start_method
) -> tuple[float, float]:
    if workload["task"] == "countdown":
        func: Callable = countdown
    elif executor == "asyncio":
        func = io_wait_async
    else:
        func = io_wait
    args = [workload["size"]] * workload["tasks"]
    return measure_parallel(func, args, executor, workers, start_method=start_method)


def _configurations(workloads: dict[str, dict[str, Any]]) -> list[tuple[str, str, int]]:
    configs = []
    for name, wl in workloads.items():
        configs.append((name, "serial", 1))
        configs += [(name, ex, n) for ex in wl["executors"] for n in wl["workers"]]
    return configs


def _progress(total: int, enabled: bool | None, desc: str):
    """Return an object with update() and close(): a tqdm bar, or a silent stand-in."""

    class Silent:
        def update(self, n: int = 1) -> None:
            pass

        def close(self) -> None:
            pass

    if enabled is False:
        return Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return Silent()

    class Bar(tqdm):
        # No monitor thread: process pools fork this process, and forking a
        # process that runs threads is unsafe (Python 3.12+ warns about it).
        monitor_interval = 0

    return Bar(total=total, desc=desc, unit="run", file=sys.stderr, leave=False)


def run_benchmark(
    config: Config = QUICK,
    *,
    workloads: Sequence[str] = ("cpu", "io"),
    progress: bool | None = False,
    countdown_n: int | None = None,
) -> dict[str, Any]:
    """Measure every configuration of `config`; return the results as a JSON-ready dict.

    Each round runs the serial baseline and every (executor, workers) pair once,
    in a shuffled order; the first `config.warmup` rounds are marked as warm-up
    and left out of the summaries. `workloads` picks "cpu", "io" or both.
    `countdown_n` fixes the size of the CPU-bound job instead of calibrating it.
    `progress=True` shows a tqdm progress bar on stderr. An executor this Python
    cannot run (see `unavailable_reason`) is left out and named, with the
    reason, in the result's "unavailable" entry.
    """
    config.validate()
    unknown = set(workloads) - {"cpu", "io"}
    if unknown or not workloads:
        raise ValueError(f"workloads must be a selection of 'cpu' and 'io', not {workloads!r}")
    start_method = config.start_method or multiprocessing.get_start_method(allow_none=False)
    env = environment(start_method)
    all_workloads = _workloads(config, countdown_n if "cpu" in workloads else 1)
    chosen = {k: v for k, v in all_workloads.items() if k in workloads}
    unavailable: dict[str, str] = {}
    for wl in chosen.values():
        for executor in wl["executors"]:
            reason = unavailable_reason(executor)
            if reason:
                unavailable[executor] = reason
        wl["executors"] = [ex for ex in wl["executors"] if ex not in unavailable]
    configs = _configurations(chosen)
    rounds = config.warmup + config.repeats
    rng = random.Random(config.seed)
    bar = _progress(rounds * len(configs), progress, f"bench {config.mode}")
    runs = []
    started = time.perf_counter()
    started_at = _dt.datetime.now(_dt.UTC)
    try:
        for rnd in range(rounds):
            order = list(configs)
            rng.shuffle(order)
            for name, executor, workers in order:
                seconds, cpu_seconds = _trial(chosen[name], executor, workers, start_method)
                runs.append(
                    {
                        "workload": name,
                        "executor": executor,
                        "workers": workers,
                        "round": rnd,
                        "warmup": rnd < config.warmup,
                        "seconds": seconds,
                        "cpu_seconds": cpu_seconds,
                    }
                )
                bar.update(1)
    finally:
        bar.close()
    env["load_average_after"] = _load_average()
    return {
        "schema": SCHEMA,
        "mode": config.mode,
        "config": dataclasses.asdict(config),
        "environment": env,
        "workloads": chosen,
        "unavailable": unavailable,
        "runs": runs,
        "started": started_at.isoformat(timespec="seconds"),
        "elapsed_s": round(time.perf_counter() - started, 3),
    }
