"""Measure speedup against the number of workers, honestly, and plot it.

The question this module answers is the one students ask: "if I use N workers, how
much faster does my program get?" It times the same fixed job (strong scaling) on
1, 2, 4, ... workers of each kind and compares every run with a plain serial run:

* a CPU-bound job: `countdown` loops in pure Python, holding the GIL;
* an I/O-bound job: `io_wait` sleeps, which releases the GIL (like a socket read).

The workers are threads, processes, asyncio coroutines or, where the Python has
them, subinterpreters (PEP 734: `concurrent.interpreters` on 3.14, the
`interpreters-pep-734` backport on 3.13), each with its own GIL. An executor
that this Python cannot run is reported as unavailable, with the reason, and
left out; it is not an error.

How it keeps the numbers honest:

* **warm-up**: the first round of every configuration is run and thrown away;
  every pool is started and every worker proven alive *before* the clock starts,
  so process start-up cost is not mistaken for parallel speed;
* **interleaving**: each round runs every configuration once, in a shuffled
  order (A B C, B C A, ...), never all repeats of one then all of the next, so a
  burst of load from elsewhere hits every configuration alike;
* **paired speedups**: a run is divided into the serial run *of the same round*,
  and the plots show the median with the interquartile range;
* **the environment travels with the numbers**: CPU count and model, Python
  version, GIL state, start method and load average are saved in the JSON and
  printed under every figure.

Worker functions live here, at module level, so that process pools can import
them under every start method: ``fork``, ``spawn`` and ``forkserver``.

Use it from a notebook::

    from coursekit import bench
    results = bench.run_benchmark(bench.QUICK)
    bench.plot_results(results)

or from a shell (writes results.json, table.md, speedup.png, efficiency.png, cores.png)::

    python -m coursekit.bench --quick --out build/bench
    python -m coursekit.bench --quick --executors threads,processes,subinterpreters
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as _dt
import functools
import json
import math
import multiprocessing
import os
import platform
import random
import statistics
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

__all__ = [
    "EXECUTORS",
    "FULL",
    "QUICK",
    "Config",
    "calibrate_countdown",
    "countdown",
    "environment",
    "environment_caption",
    "gil_state",
    "in_jupyter",
    "io_wait",
    "io_wait_async",
    "load_results",
    "main",
    "markdown_table",
    "measure_parallel",
    "new_figure",
    "plot_cores_busy",
    "plot_efficiency",
    "plot_results",
    "run_benchmark",
    "save_results",
    "speedup_table",
    "summarize",
    "time_parallel",
    "unavailable_reason",
]

SCHEMA = "coursekit.bench/1"
EXECUTORS = ("threads", "processes", "asyncio", "subinterpreters")
#: Seconds a pool may take to show that all its workers are running.
POOL_START_DEADLINE = 60.0


# --------------------------------------------------------------------------
# Workloads: importable, so that process workers can find them by name


def countdown(n: int) -> None:
    """Count down from `n` to zero in pure Python: CPU-bound work that holds the GIL.

    This is Beazley's classic benchmark. Each step is a few bytecodes, so the
    thread running it needs the GIL the whole time.

    >>> countdown(1000)
    """
    while n > 0:
        n -= 1


def io_wait(seconds: float) -> None:
    """Wait `seconds` without using the CPU, the way a blocking read waits for data.

    `time.sleep`, like a socket read, releases the GIL while it waits.
    """
    time.sleep(seconds)


async def io_wait_async(seconds: float) -> None:
    """Wait `seconds` on the event loop: the asyncio version of `io_wait`."""
    await asyncio.sleep(seconds)


def _whoami(delay: float) -> tuple[int, int]:
    """Wait `delay` seconds, then return (process id, thread id) of the worker."""
    time.sleep(delay)
    return os.getpid(), threading.get_ident()


def calibrate_countdown(seconds: float, *, trials: int = 3) -> int:
    """Return the n for which `countdown(n)` takes about `seconds` on this machine.

    It times a short countdown a few times and keeps the fastest (the one least
    disturbed by other programs), so the estimate errs on the long side.
    """
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, not {seconds!r}")
    n = 20_000
    while True:
        start = time.perf_counter()
        countdown(n)
        elapsed = time.perf_counter() - start
        if elapsed >= 0.01 or n > 10**9:
            break
        n *= 4
    best = elapsed
    for _ in range(trials - 1):
        start = time.perf_counter()
        countdown(n)
        best = min(best, time.perf_counter() - start)
    return max(1, round(n * seconds / best))


# --------------------------------------------------------------------------
# Running a batch of calls on N workers


def _in_fresh_loop(coro_factory: Callable[[], Any]) -> Any:
    """Run the coroutine made by `coro_factory` to completion with asyncio.run.

    Inside Jupyter the kernel's own loop is already running in this thread,
    and asyncio.run refuses to nest, so the coroutine gets a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro_factory())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro_factory())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=target, name="bench-asyncio", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _async_batch(func: Callable, args: Sequence, workers: int) -> tuple[float, float]:
    """Run func(arg) for every arg with at most `workers` in flight; return (wall, CPU) s."""
    pending = list(reversed(args))

    async def worker() -> None:
        while pending:
            arg = pending.pop()
            if asyncio.iscoroutinefunction(func):
                await func(arg)
            else:
                func(arg)  # a blocking call: it stalls the whole loop, on purpose

    start, cpu = time.perf_counter(), time.thread_time()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - start, time.thread_time() - cpu


def _cpu_of_call(func: Callable, arg: Any) -> float:
    """Call func(arg); return the CPU time it used in the worker that ran it."""
    start = time.thread_time()
    func(arg)
    return time.thread_time() - start


def _warm_pool(pool, workers: int) -> None:
    """Return once `workers` distinct workers of `pool` have each run a task.

    Pools start their workers lazily (threads, and processes under spawn and
    forkserver): without this, start-up would be timed as if it were work.
    """
    seen: set[tuple[int, int]] = set()
    deadline = time.monotonic() + POOL_START_DEADLINE
    while len(seen) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(seen)} of {workers} pool workers started in time")
        seen.update(pool.map(_whoami, [0.005] * workers))


# --------------------------------------------------------------------------
# Subinterpreters (PEP 734): one interpreter per worker, each with its own GIL


def _interpreters_module() -> tuple[Any, str | None]:
    """Return (the PEP 734 `interpreters` module, None), or (None, why there is none)."""
    try:
        from concurrent import interpreters  # Python 3.14 and newer

        return interpreters, None
    except ImportError:
        pass
    version = platform.python_version()
    if sys.version_info >= (3, 13):
        try:
            from interpreters_backport import interpreters
        except ImportError:
            return None, (
                f"Python {version} needs the PEP 734 backport for subinterpreters: "
                "pip install interpreters-pep-734"
            )
        return interpreters, None
    return None, (
        f"Python {version} has no subinterpreters for Python code: they come with 3.14 "
        "(concurrent.interpreters), or on 3.13 with the interpreters-pep-734 backport"
    )


def unavailable_reason(executor: str) -> str | None:
    """Return why `executor` cannot run on this Python, or None if it can.

    Only "subinterpreters" can be missing: it needs Python 3.14, or 3.13 with
    the `interpreters-pep-734` package.

    >>> unavailable_reason("threads") is None
    True
    """
    if executor not in ("serial", *EXECUTORS):
        raise ValueError(f"unknown executor {executor!r}: use serial, {', '.join(EXECUTORS)}")
    if executor == "subinterpreters":
        return _interpreters_module()[1]
    return None


def _import_line(func: Callable) -> tuple[str, str]:
    """Return (an import statement that finds `func` by name, the name to call)."""
    module, name = getattr(func, "__module__", None), getattr(func, "__qualname__", "")
    if module == "__main__" and func in (countdown, io_wait):
        module = "coursekit.bench"  # run as `python -m coursekit.bench`
    if not module or module == "__main__" or "." in name or "<" in name:
        raise ValueError(
            "subinterpreters find the function by name: it must be defined at the top "
            f"of an importable module, not {func!r}"
        )
    return f"from {module} import {name} as _bench_func", "_bench_func"


def _measure_subinterpreters(func: Callable, args: list, workers: int) -> tuple[float, float]:
    """Run func(arg) for every arg on `workers` subinterpreters; return (wall, CPU) seconds.

    Each interpreter is driven by a thread of this process; the call runs in that
    thread's OS thread, so `time.thread_time` there counts its CPU time. The
    interpreters are created and import `func` before the clock starts.
    """
    interpreters, reason = _interpreters_module()
    if interpreters is None:
        raise RuntimeError(reason)
    import_line, call = _import_line(func)
    prelude = f"import sys\nsys.path[:] = {list(sys.path)!r}\n{import_line}\n"
    pending = list(reversed(args))
    lock = threading.Lock()
    go = threading.Event()
    cpu: list[float] = []
    errors: list[BaseException] = []
    pool = [interpreters.create() for _ in range(workers)]

    def drive(interp) -> None:
        used = 0.0
        go.wait()
        try:
            while True:
                with lock:
                    if not pending:
                        break
                    arg = pending.pop()
                start = time.thread_time()
                interp.exec(f"{call}({arg!r})")
                used += time.thread_time() - start
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            errors.append(exc)
        with lock:
            cpu.append(used)

    try:
        for interp in pool:
            interp.exec(prelude)
        threads = [
            threading.Thread(target=drive, args=(i,), name="bench-interp", daemon=True)
            for i in pool
        ]
        for t in threads:
            t.start()
        start = time.perf_counter()
        go.set()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
    finally:
        go.set()
        for interp in pool:
            try:
                interp.close()
            except Exception:  # noqa: BLE001, S110 - closing is best effort
                pass
    if errors:
        raise errors[0]
    return wall, sum(cpu)


def time_parallel(
    func: Callable,
    args: Iterable,
    executor: str = "threads",
    workers: int = 1,
    *,
    start_method: str | None = None,
) -> float:
    """Call func(arg) for every arg on `workers` workers; return the seconds it took.

    `executor` is "serial" (a plain loop in this thread), "threads", "processes",
    "asyncio" (at most `workers` coroutines in flight; `func` should be a
    coroutine function, and a plain function blocks the loop) or
    "subinterpreters" (see `unavailable_reason`). The clock runs
    only while the calls run: pools are started and warmed up before, and shut
    down after. For processes and subinterpreters, `func` must be importable
    (defined in a module, not in a notebook cell), and `start_method` picks
    fork, spawn or forkserver for processes (default: the platform's).

    >>> time_parallel(io_wait, [0.05] * 4, "threads", 4) < 0.15
    True
    """
    return measure_parallel(func, args, executor, workers, start_method=start_method)[0]


def measure_parallel(
    func: Callable,
    args: Iterable,
    executor: str = "threads",
    workers: int = 1,
    *,
    start_method: str | None = None,
) -> tuple[float, float]:
    """Like `time_parallel`, but return (wall-clock seconds, CPU seconds used by the calls).

    The CPU time is summed over the workers that ran the calls (each measured
    with `time.thread_time` where it ran), so CPU / wall is the average number
    of cores the calls kept busy. Other programs on the machine can lower it,
    never raise it: with the GIL, threads running Python stay at or below 1.
    """
    args = list(args)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers!r}")
    if executor == "serial":
        start, cpu = time.perf_counter(), time.thread_time()
        for arg in args:
            func(arg)
        return time.perf_counter() - start, time.thread_time() - cpu
    if executor == "asyncio":
        return _in_fresh_loop(lambda: _async_batch(func, args, workers))
    if executor == "subinterpreters":
        return _measure_subinterpreters(func, args, workers)
    if executor == "threads":
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bench")
    elif executor == "processes":
        context = multiprocessing.get_context(start_method)
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    else:
        raise ValueError(f"unknown executor {executor!r}: use serial, {', '.join(EXECUTORS)}")
    timed = functools.partial(_cpu_of_call, func)
    with pool:
        _warm_pool(pool, workers)
        # map() hands out one call at a time (chunksize 1), as a work queue would.
        start = time.perf_counter()
        cpu = sum(pool.map(timed, args))
        return time.perf_counter() - start, cpu


# --------------------------------------------------------------------------
# Configuration


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


# --------------------------------------------------------------------------
# The environment


def gil_state() -> dict[str, bool]:
    """Report whether this is a free-threaded build and whether the GIL is on now.

    ``sysconfig.get_config_var("Py_GIL_DISABLED")`` is 1 on a free-threaded
    build (3.13t, 3.14t). ``sys._is_gil_enabled()`` (3.13 and newer) says whether
    the GIL is actually on in this process: a free-threaded build turns it back
    on for PYTHON_GIL=1 or an extension module that is not marked as safe.
    Before 3.13 every CPython has the GIL.
    """
    free_threaded_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    gil_enabled = bool(is_enabled()) if is_enabled is not None else True
    return {"free_threaded_build": free_threaded_build, "gil_enabled": gil_enabled}


def in_jupyter() -> bool:
    """Return True inside a Jupyter/IPython kernel, False in a plain Python process.

    The course's own checks execute assignment notebooks without Jupyter, once
    per known-wrong solution; measurement cells use this to skip themselves there.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def environment(start_method: str | None = None) -> dict[str, Any]:
    """Describe the machine and interpreter that a measurement was taken on."""
    gil = gil_state()
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "python_build": sys.version.replace("\n", " "),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": _usable_cpus(),
        "gil_enabled": gil["gil_enabled"],
        "free_threaded_build": gil["free_threaded_build"],
        "switch_interval_s": sys.getswitchinterval(),
        "start_method": start_method or multiprocessing.get_start_method(allow_none=False),
        "load_average": _load_average(),
    }


def environment_caption(env: dict[str, Any]) -> str:
    """Return a one-line summary of an `environment()` record, for figure captions."""
    if env.get("gil_enabled", True):
        gil = "GIL enabled"
    else:
        gil = "GIL disabled"
    if env.get("free_threaded_build"):
        gil += " (free-threaded build)"
    load = env.get("load_average")
    load_text = f", load avg {load[0]:.1f}" if load else ""
    return (
        f"{env.get('implementation', 'Python')} {env.get('python', '?')}, "
        f"{env.get('usable_cpus', env.get('cpu_count', '?'))} CPUs ({env.get('cpu_model', '?')}), "
        f"{gil}, start method {env.get('start_method', '?')}{load_text}"
    )


# --------------------------------------------------------------------------
# The measurement


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


# --------------------------------------------------------------------------
# Saving and summarising


def save_results(results: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write `results` as JSON to `path` (creating folders); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return path


def load_results(path: str | os.PathLike) -> dict[str, Any]:
    """Read results written by `save_results`, checking that they are ours."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"{path} does not hold {SCHEMA} results")
    return data


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile of already sorted values (numpy's default)."""
    if not sorted_values:
        return math.nan
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one row per (workload, executor, workers) with median and IQR of the speedup.

    The speedup of a run is the serial time *of the same round* divided by the
    run's time; pairing runs this way cancels slow drifts in machine load.
    Warm-up rounds are left out. `cores_busy` is the median CPU time of the
    calls divided by the wall-clock time: the average number of busy cores.
    """
    serial: dict[tuple[str, int], float] = {}
    for run in results["runs"]:
        if run["executor"] == "serial" and not run["warmup"]:
            serial[(run["workload"], run["round"])] = run["seconds"]
    groups: dict[tuple[str, str, int], list[tuple[float, float, float]]] = {}
    for run in results["runs"]:
        if run["warmup"]:
            continue
        base = serial.get((run["workload"], run["round"]))
        if base is None:
            continue
        key = (run["workload"], run["executor"], run["workers"])
        cores = run.get("cpu_seconds", math.nan) / run["seconds"]
        groups.setdefault(key, []).append((run["seconds"], base / run["seconds"], cores))
    order = {name: i for i, name in enumerate(results["workloads"])}
    ex_order = {name: i for i, name in enumerate(("serial", *EXECUTORS))}
    rows = []
    for (workload, executor, workers), samples in sorted(
        groups.items(), key=lambda kv: (order[kv[0][0]], ex_order[kv[0][1]], kv[0][2])
    ):
        speedups = sorted(s for _, s, _ in samples)
        median = statistics.median(speedups)
        row = {
            "workload": workload,
            "executor": executor,
            "workers": workers,
            "repeats": len(samples),
            "seconds_median": statistics.median(t for t, _, _ in samples),
            "speedup_median": median,
            "speedup_q1": _quantile(speedups, 0.25),
            "speedup_q3": _quantile(speedups, 0.75),
            "efficiency": median / workers,
            # CPU seconds per wall-clock second: how many cores the calls kept busy.
            "cores_busy": statistics.median(c for _, _, c in samples),
        }
        rows.append(row)
    return rows


def speedup_table(results: dict[str, Any], workload: str = "cpu") -> dict[str, dict[int, float]]:
    """Return {executor: {workers: median speedup}} for one workload (serial left out)."""
    table: dict[str, dict[int, float]] = {}
    for row in summarize(results):
        if row["workload"] == workload and row["executor"] != "serial":
            table.setdefault(row["executor"], {})[row["workers"]] = row["speedup_median"]
    if not table:
        raise KeyError(f"no {workload!r} measurements in these results")
    return table


def markdown_table(results: dict[str, Any]) -> str:
    """Return the summary as a Markdown table, with the environment above it."""
    env = results["environment"]
    lines = [
        f"Measured {results.get('started', '?')} in {results['mode']} mode: "
        f"{environment_caption(env)}.",
        "",
    ]
    for wl in results["workloads"].values():
        lines.append(f"- **{wl['label']}**: {wl['description']}.")
    for executor, why in (results.get("unavailable") or {}).items():
        lines.append(f"- **{executor}**: not measured: {why}.")
    lines += [
        "",
        f"Speedup = serial time / time on N workers, paired by round; median of "
        f"{results['config']['repeats']} interleaved runs after {results['config']['warmup']} "
        "warm-up round(s), with the interquartile range. Cores busy = CPU time of the calls / "
        "wall-clock time (median).",
        "",
        "| workload | executor | workers | median time (s) | speedup (median) | IQR "
        "| efficiency | cores busy |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    for row in summarize(results):
        lines.append(
            f"| {row['workload']} | {row['executor']} | {row['workers']} | "
            f"{row['seconds_median']:.3f} | {row['speedup_median']:.2f}x | "
            f"{row['speedup_q1']:.2f}-{row['speedup_q3']:.2f} | {row['efficiency']:.2f} | "
            f"{row['cores_busy']:.2f} |"
        )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Plots


_COLORS = {
    "threads": "tab:blue",
    "processes": "tab:orange",
    "asyncio": "tab:green",
    "subinterpreters": "tab:purple",
}
_MARKERS = {"threads": "o", "processes": "s", "asyncio": "^", "subinterpreters": "D"}


def new_figure(figsize: tuple[float, float]):
    """Return a new matplotlib Figure that Jupyter shows once when it is a cell's result.

    It is made through pyplot, which also sets up Jupyter's display of figures, and then
    closed at once, so that pyplot does not show it a second time or keep it alive.
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)
    return fig


def _log2_axis(axis, values: Sequence[float]) -> None:
    from matplotlib.ticker import FixedLocator, NullLocator

    axis.set_major_locator(FixedLocator(sorted(values)))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(_plain_formatter())


def _plain_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:g}")


def plot_results(
    results: dict[str, Any],
    *,
    title: str | None = None,
):
    """Plot speedup against workers, one panel per workload; return the Figure.

    Markers are medians, error bars the interquartile range, the dashed black
    line is ideal (linear) speedup and the dotted vertical line marks the
    number of CPUs. Both axes are logarithmic (base 2), so that 1x and 16x are
    equally readable. The environment is printed underneath, and executors
    that this Python could not run are named there.
    """
    rows = summarize(results)
    names = list(results["workloads"])
    fig = new_figure((5.2 * len(names), 4.8))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    cpus = results["environment"].get("usable_cpus") or results["environment"].get("cpu_count")
    for ax, name in zip(axes, names, strict=True):
        wl = results["workloads"][name]
        workers = sorted(set(wl["workers"]))
        lo, hi = min(workers), max(workers)
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="ideal (linear)")
        top = hi
        for executor in wl["executors"]:
            mine = [r for r in rows if r["workload"] == name and r["executor"] == executor]
            if not mine:
                continue
            xs = [r["workers"] for r in mine]
            med = [r["speedup_median"] for r in mine]
            err = [
                [m - r["speedup_q1"] for m, r in zip(med, mine, strict=True)],
                [r["speedup_q3"] - m for m, r in zip(med, mine, strict=True)],
            ]
            top = max(top, max(r["speedup_q3"] for r in mine))
            ax.errorbar(
                xs,
                med,
                yerr=err,
                color=_COLORS.get(executor),
                marker=_MARKERS.get(executor, "o"),
                capsize=3,
                lw=1.5,
                label=executor,
            )
        if cpus and lo <= cpus <= hi:
            ax.axvline(cpus, color="tab:red", ls=":", lw=1.2, label=f"{cpus} CPUs")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        _log2_axis(ax.xaxis, workers)
        ax.yaxis.set_major_formatter(_plain_formatter())
        ax.set_ylim(0.25, top * 2.4)  # headroom for the legend
        ax.set_xlabel("workers")
        ax.set_ylabel("speedup over serial (x)")
        ax.set_title(f"{wl['label']}: {wl['description']}", fontsize=9.5)
        ax.grid(True, which="major", alpha=0.3)
        handles = ax.get_legend_handles_labels()[0]
        ax.legend(fontsize=7.5, loc="upper left", ncols=2 if len(handles) > 5 else 1)
    config = results["config"]
    fig.suptitle(
        title or "Speedup against the number of workers",
        fontsize=12,
    )
    fig.text(
        0.5,
        -0.01,
        f"{environment_caption(results['environment'])}\n"
        f"median of {config['repeats']} interleaved runs after {config['warmup']} warm-up "
        f"round(s); bars: interquartile range; {results['mode']} mode" + _unavailable_note(results),
        ha="center",
        va="top",
        fontsize=8,
        color="0.3",
    )
    return fig


def _unavailable_note(results: dict[str, Any]) -> str:
    """Return a caption line naming the executors left out, or ""."""
    missing = results.get("unavailable") or {}
    return "".join(f"\n{ex} not measured: {why}" for ex, why in missing.items())


def plot_efficiency(results: dict[str, Any], *, title: str | None = None):
    """Plot parallel efficiency (speedup / workers) against workers; return the Figure.

    1.0 means every worker is fully used; 0.5 on 2 workers means the second
    one added nothing.
    """
    rows = summarize(results)
    names = list(results["workloads"])
    fig = new_figure((5.2 * len(names), 4.0))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    cpus = results["environment"].get("usable_cpus") or results["environment"].get("cpu_count")
    for ax, name in zip(axes, names, strict=True):
        wl = results["workloads"][name]
        workers = sorted(set(wl["workers"]))
        ax.axhline(1.0, color="k", ls="--", lw=1, label="ideal")
        for executor in wl["executors"]:
            mine = [r for r in rows if r["workload"] == name and r["executor"] == executor]
            if not mine:
                continue
            ax.errorbar(
                [r["workers"] for r in mine],
                [r["efficiency"] for r in mine],
                yerr=[
                    [(r["speedup_median"] - r["speedup_q1"]) / r["workers"] for r in mine],
                    [(r["speedup_q3"] - r["speedup_median"]) / r["workers"] for r in mine],
                ],
                color=_COLORS.get(executor),
                marker=_MARKERS.get(executor, "o"),
                capsize=3,
                label=executor,
            )
        if cpus and min(workers) <= cpus <= max(workers):
            ax.axvline(cpus, color="tab:red", ls=":", lw=1.2, label=f"{cpus} CPUs")
        ax.set_xscale("log", base=2)
        _log2_axis(ax.xaxis, workers)
        ax.set_ylim(0, 1.25)
        ax.set_xlabel("workers")
        ax.set_ylabel("efficiency (speedup / workers)")
        ax.set_title(f"{wl['label']}", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or "Parallel efficiency", fontsize=12)
    fig.text(
        0.5,
        -0.01,
        environment_caption(results["environment"]),
        ha="center",
        va="top",
        fontsize=8,
        color="0.3",
    )
    return fig


def plot_cores_busy(results: dict[str, Any], *, title: str | None = None):
    """Plot how many cores the calls kept busy (CPU seconds / wall second); return the Figure.

    This is the check that keeps a speedup plot honest on a busy machine: if
    processes got only 1.2 cores out of 2, their speedup cannot exceed 1.2, and
    the reason is other programs, not Python. With the GIL, threads running
    Python stay at or below 1 core whatever the machine.
    """
    rows = summarize(results)
    names = list(results["workloads"])
    fig = new_figure((5.2 * len(names), 4.0))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    cpus = results["environment"].get("usable_cpus") or results["environment"].get("cpu_count")
    for ax, name in zip(axes, names, strict=True):
        wl = results["workloads"][name]
        workers = sorted(set(wl["workers"]))
        top = 1.0
        for executor in ("serial", *wl["executors"]):
            mine = [r for r in rows if r["workload"] == name and r["executor"] == executor]
            if not mine:
                continue
            top = max(top, *(r["cores_busy"] for r in mine))
            if executor == "serial":
                ax.axhline(mine[0]["cores_busy"], color="0.5", ls="-.", lw=1, label="serial")
                continue
            ax.plot(
                [r["workers"] for r in mine],
                [r["cores_busy"] for r in mine],
                color=_COLORS.get(executor),
                marker=_MARKERS.get(executor, "o"),
                label=executor,
            )
        if cpus:
            ax.axhline(cpus, color="tab:red", ls=":", lw=1.2, label=f"{cpus} CPUs")
            top = max(top, cpus)
        ax.set_xscale("log", base=2)
        _log2_axis(ax.xaxis, workers)
        ax.set_ylim(0, top * 1.15)
        ax.set_xlabel("workers")
        ax.set_ylabel("cores busy (CPU s per wall s)")
        ax.set_title(f"{wl['label']}", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or "How many cores the work used", fontsize=12)
    fig.text(
        0.5,
        -0.01,
        environment_caption(results["environment"]),
        ha="center",
        va="top",
        fontsize=8,
        color="0.3",
    )
    return fig


# --------------------------------------------------------------------------
# Command line


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.bench",
        description="Measure speedup against workers for CPU-bound and I/O-bound jobs.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small and fast (default; ~20 s)")
    mode.add_argument(
        "--full", action="store_true", help="bigger jobs, 5 repeats, up to 32 workers"
    )
    parser.add_argument("--out", default="build/bench", help="output folder (default build/bench)")
    parser.add_argument("--repeats", type=int, help="timed rounds (after warm-up)")
    parser.add_argument("--warmup", type=int, help="warm-up rounds, thrown away")
    parser.add_argument(
        "--start-method",
        choices=multiprocessing.get_all_start_methods(),
        help="how process pools start their workers (default: the platform's)",
    )
    parser.add_argument(
        "--workloads",
        default="cpu,io",
        help="comma-separated: cpu, io (default both)",
    )
    parser.add_argument(
        "--executors",
        help=(
            "comma-separated executors for both jobs, from "
            f"{', '.join(EXECUTORS)} (default: threads,processes for the CPU-bound job, "
            "threads,processes,asyncio for the I/O-bound one)"
        ),
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply job sizes by this (e.g. 0.1 for a smoke test)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--no-plots", action="store_true", help="write results.json only")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line; write results.json, table.md and the PNGs."""
    args = _parse(argv)
    config = FULL if args.full else QUICK
    changes: dict[str, Any] = {}
    if args.repeats is not None:
        changes["repeats"] = args.repeats
    if args.warmup is not None:
        changes["warmup"] = args.warmup
    if args.start_method:
        changes["start_method"] = args.start_method
    if args.scale != 1.0:
        if args.scale <= 0:
            print("error: --scale must be positive", file=sys.stderr)
            return 2
        changes["cpu_seconds"] = config.cpu_seconds * args.scale
        changes["io_wait"] = config.io_wait * args.scale
    if args.executors is not None:
        chosen = tuple(e.strip() for e in args.executors.split(",") if e.strip())
        changes["cpu_executors"] = changes["io_executors"] = chosen
    config = config.replace(**changes)
    workloads = tuple(w.strip() for w in args.workloads.split(",") if w.strip())
    try:
        config.validate()
        results = run_benchmark(config, workloads=workloads, progress=not args.no_progress)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    save_results(results, out / "results.json")
    table = markdown_table(results)
    (out / "table.md").write_text(table, encoding="utf-8")
    written = ["results.json", "table.md"]
    if not args.no_plots:
        plot_results(results).savefig(out / "speedup.png", dpi=120, bbox_inches="tight")
        plot_efficiency(results).savefig(out / "efficiency.png", dpi=120, bbox_inches="tight")
        plot_cores_busy(results).savefig(out / "cores.png", dpi=120, bbox_inches="tight")
        written += ["speedup.png", "efficiency.png", "cores.png"]
    print(table)
    for executor, why in results["unavailable"].items():
        print(f"note: {executor} not measured: {why}", file=sys.stderr)
    print(f"wrote {', '.join(str(out / w) for w in written)} in {results['elapsed_s']:.1f} s")
    return 0


if __name__ == "__main__":
    # Run main() from the module's real name, so that process workers are
    # pickled as coursekit.bench.countdown rather than __main__.countdown.
    from coursekit import bench as _bench

    sys.exit(_bench.main())
