"""Instruments for testing code that starts processes.

Code that takes a multiprocessing *context* (``multiprocessing.get_context(method)``)
and creates its processes, pools and shared values through it can be handed a
`RecordingContext` instead. It behaves like the real context of that start
method, and it also:

* records every process and pool made through it, so a test can check how many
  processes ran, whether they ended, and clean up whatever was left behind;
* can line the children up at a barrier before their targets run, so that
  they really overlap in time (a test then *knows* they ran concurrently);
* can measure the CPU time each child spent in its target;
* can hand out shared values whose reads pause, which widens the window of a
  read-modify-write race until an unlocked counter loses updates every time.

Everything a child needs (`run_child`, `ChildOptions`, `RacyValue`) lives at
module level here, so it can be pickled under the spawn and forkserver start
methods.

>>> ctx = RecordingContext("fork")
>>> p = ctx.Process(target=print, args=("hello from a child",))
>>> ctx.processes == [p]
True
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import multiprocessing.pool
import threading
import time
from typing import Any

__all__ = ["ChildOptions", "RacyValue", "RecordedPool", "RecordingContext", "run_child"]


@dataclasses.dataclass
class ChildOptions:
    """What `run_child` does around a child's target (picklable)."""

    barrier: Any = None  # a multiprocessing Barrier: wait at it before the target runs
    cpu: Any = None  # a shared array of doubles: slot gets the target's CPU seconds
    slot: int = -1
    linger: float = 0.0  # seconds to stay alive after the target returns
    turnstile: Any = None  # a multiprocessing Lock held while the target runs


def run_child(options: ChildOptions, target, args: tuple, kwargs: dict) -> None:
    """Run ``target(*args, **kwargs)`` in a child process, instrumented as `options` says."""
    started = time.process_time()

    def record_cpu() -> None:
        options.cpu[options.slot] = time.process_time() - started

    if options.cpu is not None:
        # Pool.terminate() (and so `with Pool(...)`) kills its workers with
        # SIGTERM, before any `finally` here could run: keep the figure fresh.
        def keep_recording() -> None:
            while True:
                record_cpu()
                time.sleep(0.01)

        threading.Thread(target=keep_recording, name="record-cpu", daemon=True).start()
    if options.barrier is not None:
        try:
            options.barrier.wait()
        except threading.BrokenBarrierError:
            pass  # not every expected process came; run anyway
    try:
        if options.turnstile is not None:
            with options.turnstile:
                target(*args, **kwargs)
        else:
            target(*args, **kwargs)
    finally:
        if options.cpu is not None:
            record_cpu()
        if options.linger:
            time.sleep(options.linger)


class RacyValue:
    """A shared value whose reads pause, so that ``v.value += 1`` races reliably.

    Wraps what ``context.Value(...)`` returned and behaves like it: ``.value``,
    ``get_lock()``, ``get_obj()``, ``with v:``. Between reading ``.value`` and
    returning it, the calling process sleeps for `pause` seconds, so another
    process that reads meanwhile sees the same old number, and one of the two
    increments is lost. With the lock held around the whole update no other
    process can read in that window, and nothing is lost.
    """

    def __init__(self, inner, pause: float) -> None:
        self._inner = inner
        self._pause = pause

    @property
    def value(self):
        current = self._inner.value
        time.sleep(self._pause)
        return current

    @value.setter
    def value(self, new) -> None:
        self._inner.value = new

    def __getattr__(self, name: str):
        # get_lock, get_obj, acquire, release, ...: whatever the real value has.
        if name.startswith("__") or name in ("_inner", "_pause"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __enter__(self):
        return self._inner.__enter__()

    def __exit__(self, *exc):
        return self._inner.__exit__(*exc)

    def __reduce__(self):
        # Pickled only while a child is being started, like the value it wraps.
        return (RacyValue, (self._inner, self._pause))

    def __repr__(self) -> str:
        return f"<RacyValue {self._inner!r}>"


class RecordedPool(multiprocessing.pool.Pool):
    """A `multiprocessing.pool.Pool` that remembers whether it was closed or terminated,
    and how many tasks were handed to it (one per item of a map, one per apply)."""

    def __init__(self, *args, **kwargs) -> None:
        self.closed_by_caller = False
        self.terminated_by_caller = False
        #: how many tasks the caller handed out: an item of map/starmap/imap, or an apply
        self.tasks = 0
        super().__init__(*args, **kwargs)

    def _map_async(self, func, iterable, mapper, chunksize=None, callback=None,
                   error_callback=None):
        # map, starmap, map_async and starmap_async all come here.
        items = list(iterable)
        self.tasks += len(items)
        return super()._map_async(func, items, mapper, chunksize, callback, error_callback)

    def imap(self, func, iterable, chunksize=1):
        items = list(iterable)
        self.tasks += len(items)
        return super().imap(func, items, chunksize)

    def imap_unordered(self, func, iterable, chunksize=1):
        items = list(iterable)
        self.tasks += len(items)
        return super().imap_unordered(func, items, chunksize)

    def apply_async(self, func, args=(), kwds=None, callback=None, error_callback=None):
        self.tasks += 1
        return super().apply_async(func, args, kwds or {}, callback, error_callback)

    def close(self) -> None:
        self.closed_by_caller = True
        super().close()

    def terminate(self) -> None:
        self.terminated_by_caller = True
        super().terminate()

    @property
    def released(self) -> bool:
        """Whether close() or terminate() was called (``with`` calls terminate())."""
        return self.closed_by_caller or self.terminated_by_caller


class RecordingContext:
    """Stand in for ``multiprocessing.get_context(method)``, recording what is made through it.

    Processes (including a pool's workers) are real processes of the chosen
    start method; their target runs inside `run_child`. Anything not listed
    here (``Queue``, ``Pipe``, ``Lock``, ``Manager``, ...) is the real context's.

    rendezvous: if > 1, each child waits (up to `rendezvous_timeout` s) until
        that many children are waiting, then all go at once. `all_met` tells
        whether they did.
    measure_cpu: record each child's CPU time in its target, see `cpu_seconds`.
    linger: seconds each child stays alive after its target returns.
    racy_pause: if set, ``Value(...)`` returns a `RacyValue` with that pause.
    one_at_a_time: the children's targets run one after another, never
        together, so a test about something other than races (what is
        returned, whether every child was joined) gets the same verdict on
        code that races as on code that does not.
    """

    def __init__(
        self,
        method: str | None = None,
        *,
        rendezvous: int = 0,
        rendezvous_timeout: float = 4.0,
        measure_cpu: bool = False,
        linger: float = 0.0,
        racy_pause: float | None = None,
        capacity: int = 64,
        one_at_a_time: bool = False,
    ) -> None:
        self.real = multiprocessing.get_context(method)
        self.processes: list = []
        self.pools: list[RecordedPool] = []
        self.values: list = []
        self._lock = threading.Lock()
        self._linger = linger
        self._racy_pause = racy_pause
        self._capacity = capacity
        self._barrier = (
            self.real.Barrier(rendezvous, timeout=rendezvous_timeout) if rendezvous > 1 else None
        )
        self._cpu = self.real.Array("d", capacity, lock=False) if measure_cpu else None
        self._turnstile = self.real.Lock() if one_at_a_time else None

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.real, name)

    def __repr__(self) -> str:
        return f"<RecordingContext {self.real.get_start_method()!r}>"

    # -- what code under test calls ----------------------------------------

    def get_context(self, method=None):
        return self if method is None else self.real.get_context(method)

    def Process(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):  # noqa: N802 - mirrors the multiprocessing API
        with self._lock:
            slot = len(self.processes)
            if self._cpu is not None and slot >= self._capacity:
                raise RuntimeError(f"more than {self._capacity} processes in one test")
            if target is not None:
                runner, options = self._child(
                    ChildOptions(self._barrier, self._cpu, slot, self._linger, self._turnstile)
                )
                process = self.real.Process(
                    group,
                    target=runner,
                    name=name,
                    args=(options, target, tuple(args), dict(kwargs or {})),
                    daemon=daemon,
                )
            else:
                process = self.real.Process(group, name=name, daemon=daemon)
            self.processes.append(process)
        return process

    def _child(self, options: ChildOptions) -> tuple[Any, Any]:
        """What a child runs around its target, and with what options (subclasses add to it)."""
        return run_child, options

    def Pool(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None):  # noqa: N802
        pool = RecordedPool(processes, initializer, initargs, maxtasksperchild, context=self)
        with self._lock:
            self.pools.append(pool)
        if self._barrier is not None and pool._processes < self._barrier.parties:
            # Too few workers ever to meet: say so now rather than after the timeout.
            self._barrier.abort()
        return pool

    def Value(self, typecode_or_type, *args, lock=True):  # noqa: N802
        value = self.real.Value(typecode_or_type, *args, lock=lock)
        if self._racy_pause is not None:
            value = RacyValue(value, self._racy_pause)
        with self._lock:
            self.values.append(value)
        return value

    # -- what tests read ---------------------------------------------------

    @property
    def started(self) -> list:
        """The recorded processes that were started."""
        return [p for p in self.processes if p._popen is not None]

    @property
    def all_met(self) -> bool | None:
        """Whether the rendezvous completed (None without one)."""
        if self._barrier is None:
            return None
        return not self._barrier.broken

    def cpu_seconds(self) -> list[float]:
        """CPU seconds each started child spent in its target (0.0 if it never reported)."""
        if self._cpu is None:
            raise RuntimeError("create the RecordingContext with measure_cpu=True")
        return [self._cpu[i] for i, p in enumerate(self.processes) if p._popen is not None]

    def alive(self) -> list:
        """The recorded processes still running (this reaps those that have ended)."""
        return [p for p in self.started if p.is_alive()]

    def cleanup(self, timeout: float = 3.0) -> list[str]:
        """Terminate every pool and kill every process still alive; describe what was left.

        Safe to call more than once. Call it from the thread that ran the code
        under test if you can: a pool whose handler threads were stopped from
        outside can no longer terminate itself, and is then only dismantled.
        """
        left = []
        for pool in self.pools:
            if not pool.released:
                left.append("a Pool that was never closed")
            if pool._state == multiprocessing.pool.TERMINATE:
                continue
            if pool._worker_handler.is_alive() and pool._task_handler.is_alive():
                done = threading.Event()

                def stop(pool=pool, done=done):
                    try:
                        multiprocessing.pool.Pool.terminate(pool)
                    finally:
                        done.set()

                threading.Thread(target=stop, daemon=True, name="stop-pool").start()
                if done.wait(timeout):
                    continue
            # The pool cannot shut down in order: keep it from starting new workers,
            # and from trying again at interpreter exit, where it would hang.
            pool._state = multiprocessing.pool.TERMINATE
            pool._worker_handler._state = multiprocessing.pool.TERMINATE
            pool._terminate.cancel()
        for process in self.started:
            if process.is_alive():
                left.append(f"process {process.name} (pid {process.pid})")
                process.kill()
                process.join(timeout)
        return left
