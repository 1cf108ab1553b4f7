"""Worker processes: a pool that replaces a dead or hung worker and retries only
the submission it held, once; and finding what a dead worker left behind."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import os
import shutil
import signal
import tempfile
import time
import uuid

from ..limits import descendants as _descendants
from ..limits import with_environ
from .settings import WORKER_MARKER_ENV
from .tasks import Outcome, Task
from .worker import _worker_context, _worker_main


def _marked(marker: str) -> list[int]:
    return with_environ(f"{WORKER_MARKER_ENV}={marker}".encode())


def _kill(pids) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _describe_death(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        return f"signal {-code}"
    return f"exit status {code}"


class _Worker:
    def __init__(self, context):
        self.marker = uuid.uuid4().hex
        self.scratch = tempfile.mkdtemp(prefix="autograder-worker-")
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_worker_main, args=(child, self.marker, self.scratch), daemon=True
        )
        self.process.start()
        child.close()
        self.courses: set[str] = set()
        self.index: int | None = None  # the task it holds
        self.deadline = 0.0
        self.started = 0.0

    def send(self, task: Task, index: int, seconds: float) -> bool:
        course = task.course
        if course.digest in self.courses:
            task = dataclasses.replace(task, course=dataclasses.replace(course, files={}))
        self.index = index
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        try:
            self.conn.send(task)
        except (OSError, ValueError):
            return False
        self.courses.add(course.digest)
        return True

    def stop(self, kill: bool = False) -> None:
        """End the worker and everything it started; remove its scratch folder."""
        if kill or not self.process.is_alive():
            _kill(_descendants(self.process.pid) if self.process.is_alive() else [])
            _kill([self.process.pid] if self.process.is_alive() else [])
        else:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.process.join(10)
            if self.process.is_alive():
                _kill(_descendants(self.process.pid))
                self.process.kill()
        self.process.join(10)
        for _ in range(3):  # kernels and their children that outlived the worker
            left = _marked(self.marker)
            if not left:
                break
            _kill(left)
            time.sleep(0.1)
        with contextlib.suppress(OSError, ValueError):
            self.conn.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


class WorkerPool:
    """Local worker processes that survive each other's deaths (see the module docstring)."""

    def __init__(self, jobs: int, deadline: float):
        self.jobs = max(1, jobs)
        self.deadline = deadline
        self.workers: list[_Worker] = []

    def run(self, tasks: list[Task]):
        from multiprocessing.connection import wait

        queue = collections.deque(range(len(tasks)))
        causes: dict[int, list[str]] = collections.defaultdict(list)
        idle: list[_Worker] = []
        busy: list[_Worker] = []
        size = min(self.jobs, len(tasks))

        def failed(worker: _Worker, cause: str, kill: bool):
            index = worker.index
            worker.stop(kill=kill)
            self.workers.remove(worker)
            if worker in busy:
                busy.remove(worker)
            if worker in idle:
                idle.remove(worker)
            if index is None:
                return None
            causes[index].append(cause)
            if len(causes[index]) < 2:
                queue.appendleft(index)
                return None
            task = tasks[index]
            what = "; ".join(dict.fromkeys(causes[index]))
            return Outcome(
                task.course.assignment,
                task.student,
                error=f"the grading worker died twice while grading this submission ({what})",
            )

        def dispatch() -> list[Outcome]:
            done = []
            while queue and (idle or len(self.workers) < size):
                worker = idle.pop() if idle else self._start()
                index = queue.popleft()
                if not worker.process.is_alive() or not worker.send(
                    tasks[index], index, self.deadline
                ):
                    worker.index = index
                    out = failed(worker, "the worker could not take the submission", kill=True)
                    done += [out] if out is not None else []
                    continue
                busy.append(worker)
            return done

        results = dispatch()
        while results or queue or busy:
            # Workers get their next submission before this process records the
            # results (phase B, which takes a while): they never wait for it.
            yield from results
            results = []
            if not busy:
                results = dispatch()
                continue
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            handles = [w.conn for w in busy] + [w.process.sentinel for w in busy + idle]
            ready = set(wait(handles, timeout=min(timeout, 5.0)))
            for worker in list(idle):
                if worker.process.sentinel in ready:
                    worker.index = None
                    failed(worker, "", kill=True)
            for worker in list(busy):
                outcome = None
                if worker.conn in ready or worker.process.sentinel in ready:
                    with contextlib.suppress(EOFError, OSError):
                        if worker.conn.poll():
                            outcome = worker.conn.recv()
                    if isinstance(outcome, Outcome):
                        index = worker.index
                        busy.remove(worker)
                        worker.index = None
                        if causes.get(index):
                            outcome.notes.append(
                                "the grading worker died while grading this submission "
                                f"({'; '.join(causes[index])}); it was graded again"
                            )
                        if worker.process.is_alive():
                            idle.append(worker)
                        else:
                            failed(worker, "", kill=True)
                        results.append(outcome)
                        continue
                    worker.process.join(1)
                    out = failed(worker, _describe_death(worker.process.exitcode), kill=True)
                elif time.monotonic() >= worker.deadline:
                    out = failed(
                        worker,
                        f"killed after {self.deadline:g} s, the limit for one submission",
                        kill=True,
                    )
                else:
                    continue
                if out is not None:
                    results.append(out)
            results += dispatch()

    def _start(self) -> _Worker:
        worker = _Worker(_worker_context())
        self.workers.append(worker)
        return worker

    def close(self, kill: bool = False) -> None:
        for worker in list(self.workers):
            worker.stop(kill=kill)
        self.workers.clear()
