"""Phase A on a Dask distributed cluster: submit every task, collect outcomes, give up late ones."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import time
import uuid

from .._notebook import UsageError
from .store import _short
from .tasks import Outcome, Task
from .worker import grade_submission


def _lost(task: Task, exc: BaseException) -> Outcome:
    kind = type(exc).__name__
    why = (
        "the Dask worker grading this submission was lost"
        if kind == "KilledWorker"
        else "grading failed on the Dask cluster"
    )
    return Outcome(
        task.course.assignment, task.student, error=f"{why} ({kind}: {_short(str(exc))})"
    )


def execute(scheduler: str, deadline: float, tasks: list[Task]):
    """Run phase A on a Dask distributed cluster, through its ``concurrent.futures`` executor.

    ``Client.get_executor()`` gives a :class:`concurrent.futures.Executor`, so
    collecting is ``concurrent.futures.wait``. Each task is submitted under a
    key of its own, so the scheduler's ``processing()`` says when it started.
    A worker lost while grading makes the scheduler run the task elsewhere
    (up to its ``allowed-failures``), and an exception is retried once
    (``retries=1``); what still fails is recorded as lost. A submission
    that runs past the deadline (counted from when the scheduler first
    reports it processing) is given up and recorded; Dask cannot stop the
    task itself.
    """
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs the `distributed` package") from None
    try:
        client = Client(scheduler, timeout="20s")
    except OSError as exc:
        raise RuntimeError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    run = uuid.uuid4().hex[:12]
    with client:
        executor = client.get_executor(pure=False, retries=1)
        futures: dict[cf.Future, tuple[str, Task]] = {}
        for n, task in enumerate(tasks):
            key = f"autograde-{run}-{n}"
            futures[executor.submit(grade_submission, task, key=key)] = (key, task)
        started: dict[str, float] = {}
        while futures:
            done, _ = cf.wait(futures, timeout=0.5, return_when=cf.FIRST_COMPLETED)
            for future in done:
                _, task = futures.pop(future)
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker and the like
                    yield _lost(task, exc)
            with contextlib.suppress(Exception):
                now = time.monotonic()
                running = {k for keys in client.processing().values() for k in keys}
                for future, (key, task) in list(futures.items()):
                    if key in running:
                        started.setdefault(key, now)
                    # A task may wait behind one other on its worker: twice the deadline.
                    if key in started and now - started[key] > 2 * deadline:
                        futures.pop(future)
                        future.cancel()
                        yield Outcome(
                            task.course.assignment,
                            task.student,
                            error=f"no result from the Dask cluster within {2 * deadline:g} s",
                        )
        executor.shutdown(wait=False)
