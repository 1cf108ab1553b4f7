"""Running a batch of calls on N workers: threads, processes, asyncio, subinterpreters."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import platform
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from .config import EXECUTORS, POOL_START_DEADLINE
from .workloads import _whoami


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
    func: Callable, args: Iterable, executor: str = "threads", workers: int = 1, **options: Any
) -> float:
    """Call func(arg) for every arg on `workers` workers; return the seconds it took.

    `executor` is "serial" (a plain loop in this thread), "threads", "processes",
    "asyncio" (at most `workers` coroutines in flight; `func` should be a
    coroutine function, and a plain function blocks the loop) or
    "subinterpreters" (see `unavailable_reason`). The clock runs
    only while the calls run: pools are started and warmed up before, and shut
    down after. For processes and subinterpreters, `func` must be importable
    (defined in a module, not in a notebook cell). `options` are those of
    `measure_parallel`: `start_method` picks fork, spawn or forkserver for
    processes (default: the platform's).

    >>> from coursekit.bench.workloads import io_wait
    >>> time_parallel(io_wait, [0.05] * 4, "threads", 4) < 0.15
    True
    """
    return measure_parallel(func, args, executor, workers, **options)[0]


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
