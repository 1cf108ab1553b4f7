"""Phase A on a Dask distributed cluster: submit every task, collect outcomes, give up late ones."""

from __future__ import annotations

import contextlib
import time

from .._notebook import UsageError
from .store import _short
from .tasks import Outcome, Task
from .worker import grade_submission


def execute(scheduler: str, deadline: float, tasks: list[Task]):
    """Run phase A on a Dask distributed cluster.

    A worker lost while grading makes the scheduler run the task elsewhere
    (up to its ``allowed-failures``), and an exception is retried once
    (``retries=1``); what still fails is recorded as lost. A submission
    that runs past the deadline (counted from when the scheduler first
    reports it processing) is given up and recorded; Dask cannot stop the
    task itself.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--scheduler needs the `distributed` package") from None
    try:
        client = Client(scheduler, timeout="20s")
    except OSError as exc:
        raise RuntimeError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        futures = {}
        for task in tasks:
            future = client.submit(grade_submission, task, pure=False, retries=1)
            futures[future] = task
        seen: dict[str, float] = {}
        pending = as_completed(futures)
        while futures:
            for future in pending.next_batch(block=False) if pending.has_ready() else []:
                task = futures.pop(future, None)
                if task is None:
                    continue
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker and the like
                    kind = type(exc).__name__
                    why = (
                        "the Dask worker grading this submission was lost"
                        if kind == "KilledWorker"
                        else "grading failed on the Dask cluster"
                    )
                    yield Outcome(
                        task.course.assignment,
                        task.student,
                        error=f"{why} ({kind}: {_short(str(exc))})",
                    )
            if not futures:
                break
            time.sleep(0.5)
            with contextlib.suppress(Exception):
                now = time.monotonic()
                running = {k for keys in client.processing().values() for k in keys}
                for future, task in list(futures.items()):
                    if future.key in running:
                        seen.setdefault(future.key, now)
                    # A task may wait behind one other on its worker: twice the deadline.
                    if future.key in seen and now - seen[future.key] > 2 * deadline:
                        futures.pop(future)
                        future.cancel()
                        yield Outcome(
                            task.course.assignment,
                            task.student,
                            error=f"no result from the Dask cluster within {2 * deadline:g} s",
                        )
