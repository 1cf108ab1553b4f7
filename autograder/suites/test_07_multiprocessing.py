"""Hidden tests for 07_multiprocessing: count_primes_parallel, shared_counter, coprocess, pipe_pingpong, fork_safe_log.

Every exercise that takes a `context` runs under each start method the platform
offers (fork, spawn, forkserver). The tests pass a RecordingContext
(coursekit.mp_probes) in place of multiprocessing.get_context(method): it makes
real processes of that start method and also records them, lines children up at
a barrier so that they really overlap, measures their CPU time, and, for the
shared counter, hands out a Value whose reads pause so that an unlocked
``value += 1`` loses updates on every run.

The coprocess exercise starts a plain subprocess, so start methods do not apply.

Nothing here waits without a deadline. Student calls run in a helper thread:
the test fails as soon as a child process prints a traceback (a spawn Pool given
a function it cannot import would otherwise wait for ever), or after a timeout.
Afterwards every process the test recorded is ended, and the test fails if any
other child process or shared-memory block was left behind. Children's stderr is
captured, so that it never reaches the notebook (nbgrader scores a test cell
with stderr output 0).
"""

import contextlib
import gc
import io
import json
import multiprocessing as mp
import os
import pickle
import queue
import select
import signal
import subprocess
import sys
import threading
import time
import types
import warnings
import weakref
from multiprocessing import shared_memory
from pathlib import Path

import pytest

from autograder.instruments.timeouts import CUT, FastWaits, says_cut
from autograder.suites._trust import safe_repr, same, type_name
from autograder.testing import Exercise, join_timeout, student_spaces, swapped
from coursekit.deadline import start as start_call
from coursekit.mp_checks import CheckingContext
from coursekit.mp_tools import (
    child_pids,
    child_stderr,
    descendant_pids,
    helper_pids,
    mapped_shared_memory,
    shared_memory_blocks,
)

#: Library modules this suite patches itself during a test (tests/test_suite_rules.py).
LIBRARY_WRITES = ("os", "queue", "time")

PRIMES = Exercise("count_primes_parallel")
COUNTER = Exercise("shared_counter")
COPROCESS = Exercise("coprocess")
PINGPONG = Exercise("pipe_pingpong")
FORKLOG = Exercise("fork_safe_log")

#: Contract sentences that promise nothing a test could check.
UNTESTED = {
    "count_primes_parallel": {
        "`limit` is an int `>= 0`; `workers` an int `>= 1`": "an assumption granted to the student",
    },
}

#: Seconds a child stays alive after its function returns, unless the test lets it go
#: sooner: it does once the parent waits in join() without a timeout (or a longer one).
HOLD = 4.0

MAIN_HINT = (
    "Under spawn and forkserver a child is a fresh interpreter: it imports the function "
    "it must run by module and name. A function defined in the notebook lives in "
    "`__main__`, which the child cannot import. Define worker functions in your module."
)


#: The start methods a default context is tried with: the two that differ most, where
#: the platform has them.
_DEFAULT_METHODS = tuple(m for m in ("fork", "spawn") if m in mp.get_all_start_methods())


def _cheapest_method():
    """Return the start method that starts processes fastest here."""
    for method in ("fork", "forkserver", "spawn"):
        if method in mp.get_all_start_methods():
            return method
    return mp.get_start_method()


def _timeout(method):
    """Seconds a correct solution may need under `method` on a slow, busy machine."""
    # A fork costs milliseconds; spawn and forkserver start a fresh interpreter,
    # which on a loaded machine can take seconds.
    return 5.0 if method == "fork" else 8.0


def _primes_below(n):
    """Count the primes below n with a sieve (the test's own answer)."""
    if n < 3:
        return 0
    sieve = bytearray([1]) * n
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(n**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytes(len(range(i * i, n, i)))
    return sum(sieve)


# --------------------------------------------------------------------------
# Fixtures and helpers: recorded contexts, calls with deadlines, nothing left behind


#: Shared-memory blocks that this test's processes were seen to map (see _watch_shared_memory).
_SHARED_MEMORY_SEEN: set[str] = set()


def _watch_shared_memory():
    """Note the shared-memory blocks that this process and its descendants map right now.

    /dev/shm is shared by every process on the machine, so a block counts as
    this test's only if one of this test's processes was seen using it.
    """
    pids = (descendant_pids() or set()) | {os.getpid()}
    _SHARED_MEMORY_SEEN.update(mapped_shared_memory(pids))


@pytest.fixture(autouse=True)
def nothing_left_behind():
    """Afterwards, fail if a child process or a shared-memory block was left behind."""
    before = set(child_pids() or ())
    before_mp = set(mp.active_children())
    before_shm = shared_memory_blocks() or set()
    _SHARED_MEMORY_SEEN.clear()
    yield
    _watch_shared_memory()
    problems = []
    for process in mp.active_children():  # this also reaps children that have ended
        if process not in before_mp:
            problems.append(f"process {_process_name(process)} (pid {process.pid})")
            process.kill()
            process.join(2)
    children = child_pids() or {}
    helpers = helper_pids()
    for pid, state in children.items():
        if pid not in before and pid not in helpers and state != "Z":
            problems.append(f"child process {pid}")
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
    leaked = (_SHARED_MEMORY_SEEN & (shared_memory_blocks() or set())) - before_shm
    for name in leaked:
        with contextlib.suppress(OSError):
            block = shared_memory.SharedMemory(name=name)
            block.close()
            block.unlink()
    if problems:
        pytest.fail(
            "these child processes were still running after the test: "
            + ", ".join(problems)
            + ". Join every process you start, and close or terminate every pool.",
            pytrace=False,
        )
    if leaked:
        pytest.fail(
            f"shared-memory blocks were never unlinked: {sorted(leaked)}. "
            "Call unlink() once, when no process needs the block any more.",
            pytrace=False,
        )


def _process_name(process):
    """Return a process's name as multiprocessing stores it (a subclass may fake `name`)."""
    try:
        name = mp.process.BaseProcess.name.fget(process)
    except Exception:  # noqa: BLE001 - a name is only for a message
        return "?"
    return name[:80] if type(name) is str else "?"


@contextlib.contextmanager
def _ending(ctx):
    """End whatever `ctx` recorded, from the test's own thread (pools shut down best there)."""
    try:
        yield ctx
    finally:
        ctx.cleanup()


@pytest.fixture
def recording():
    """Return a factory of CheckingContexts; whatever they recorded is ended afterwards."""
    made = []

    def make(method, **options):
        if method not in mp.get_all_start_methods():
            pytest.skip(f"the {method} start method is not available on this platform")
        ctx = CheckingContext(method, **options)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.cleanup()


@contextlib.contextmanager
def _main_as_in_a_kernel():
    """Let spawn and forkserver children start as they do in a Jupyter kernel.

    Such a child first imports the parent's main module: the script, or the
    package run with `python -m`, found through `__main__.__file__` and
    `__main__.__spec__`. In a kernel `__main__` is the notebook, which has
    neither, so children import nothing extra. When this suite runs from a
    command line instead (the grader's own checks of known-wrong solutions),
    the main module imports pytest and nbformat, and every child would spend
    seconds doing the same. Hiding the two attributes while student code runs
    makes children start as they do when a notebook is graded.
    """
    main = sys.modules.get("__main__")
    saved = {k: vars(main)[k] for k in ("__spec__", "__file__") if k in vars(main or object)}
    if not (saved.get("__spec__") or saved.get("__file__")):
        yield
        return
    main.__spec__ = None
    vars(main).pop("__file__", None)
    try:
        yield
    finally:
        vars(main).update(saved)


def _call(func, *args, timeout, budget, what, hang_hint="", stalled=None, joins=None):
    """Call func(*args) in a helper thread; return (value, CPU seconds of that thread).

    joins: a `_ProcessJoins`; while the call runs, a Process.join() it makes with a
    time limit gives up after CUT seconds.

    Fails the test if the call raises, if a child process crashes while the call
    is still running, if `stalled(thread)` returns a message, or if it runs past
    `timeout` seconds. What children write
    to stderr meanwhile is captured (this runs inside pytest's own capture, which
    would otherwise take it): a traceback there is how a crash shows.
    """
    budget.check()
    cpu = [0.0]

    def timed():
        if joins is not None:
            joins.idents.add(threading.get_ident())
        start = time.thread_time()
        try:
            return func(*args)
        finally:
            cpu[0] = time.thread_time() - start

    began = time.monotonic()
    cutting = joins.active() if joins is not None else contextlib.nullcontext()
    with _main_as_in_a_kernel(), child_stderr() as stderr, cutting:
        # The course's one deadline primitive: a daemon thread and a Future.
        future, thread = start_call(timed, name="student-call")
        _wait_for_call(thread, began, timeout, stderr, budget, what, hang_hint, stalled)
    error = future.exception()
    if error is not None:
        # Described with a guarded repr: the exception's own __str__ may raise or flood.
        exc = safe_repr(error, 500)
        crash = stderr.crash()
        note = f"\na child process crashed with: {crash}" if crash else ""
        hint = f"\n{MAIN_HINT}" if "__main__" in f"{exc}{crash}" else ""
        pytest.fail(f"{what} raised {exc}{note}{hint}", pytrace=False)
    return future.result(), cpu[0]


class _ThreadsOfThisProcess(set):
    """Thread idents of this process only: a forked child's thread may reuse its parent's."""

    def __init__(self):
        super().__init__()
        self.pid = os.getpid()

    def __contains__(self, ident):
        return os.getpid() == self.pid and super().__contains__(ident)


class _ProcessJoins:
    """Make a Process.join() with a time limit, in the student's call, give up after CUT s.

    The children of these tests stay alive after their function returns until the
    parent waits in join() without a time limit (see `_StuckInJoin`). A join with a
    limit of any length then runs out, every time: code that stops waiting for its
    children after a while returns while they still run, however long its limit.
    A join with no limit still waits.
    """

    def __init__(self):
        self.idents = _ThreadsOfThisProcess()  # the student's call's thread
        self.cut = 0
        self.pid = os.getpid()

    @contextlib.contextmanager
    def active(self):
        real = mp.process.BaseProcess.join

        def join(process, timeout=None):
            if threading.get_ident() in self.idents and os.getpid() == self.pid:
                try:
                    longer = timeout is not None and float(timeout) > CUT
                except (TypeError, ValueError):
                    longer = False  # the real join says what is wrong with it
                if longer:
                    self.cut += 1
                    timeout = CUT
            return real(process, timeout)

        with swapped(mp.process.BaseProcess, "join", join):
            yield self

    def says(self):
        return says_cut(self.cut, "a join() of a child process", "join")


def _int(got, what):
    """Fail unless `got` is exactly an int, as the contract says; return it.

    An int subclass could make == and < say anything.
    """
    if type(got) is not int:
        pytest.fail(
            f"{what} returned {safe_repr(got)}, {type_name(got)}, not an int", pytrace=False
        )
    return got


def _wait_for_call(thread, began, timeout, stderr, budget, what, hang_hint, stalled):
    """Wait for the student's call in `thread`; fail on a child's crash, a stall, or a timeout."""
    polls = 0
    try:
        while thread.is_alive():
            thread.join(0.02)
            polls += 1
            if polls % 5 == 0:
                _watch_shared_memory()
            stall = stalled(thread) if stalled and thread.is_alive() else None
            if stall:
                pytest.fail(f"{what} {stall}", pytrace=False)
            crash = stderr.crash()
            if crash and thread.is_alive():
                thread.join(0.5)  # an error raised in the caller says more: let it come
                if thread.is_alive():
                    hint = MAIN_HINT if "__main__" in crash else ""
                    pytest.fail(
                        f"{what} never returned, and a child process crashed with\n"
                        f"    {crash}\n{hint}",
                        pytrace=False,
                    )
            if thread.is_alive() and time.monotonic() - began > timeout:
                pytest.fail(
                    f"{what} did not return within {timeout:g} s. {hang_hint}", pytrace=False
                )
    finally:
        if thread.is_alive():
            budget.charge(time.monotonic() - began, f"{what} did not return")


@contextlib.contextmanager
def _as_default(ctx):
    """Make `ctx` what multiprocessing.get_context() returns (the default context) for a while.

    So a solution that uses the default when `context` is None is recorded
    too, and one that picks a start method of its own is seen doing so.
    """
    default = mp.context._default_context
    saved = default._actual_context
    default._actual_context = ctx
    try:
        yield ctx
    finally:
        default._actual_context = saved


@contextlib.contextmanager
def _cores(n):
    """Make os.cpu_count() (and os.process_cpu_count(), multiprocessing.cpu_count()) say n."""
    names = [name for name in ("cpu_count", "process_cpu_count") if hasattr(os, name)]
    saved = {name: getattr(os, name) for name in names}
    for name in names:
        setattr(os, name, lambda: n)
    try:
        yield
    finally:
        for name, func in saved.items():
            setattr(os, name, func)


def _other_method(method):
    """Return a start method, other than `method`, that this platform offers (or None)."""
    for other in ("fork", "spawn", "forkserver"):
        if other != method and other in mp.get_all_start_methods():
            return other
    return None


# --------------------------------------------------------------------------
# count_primes_parallel

LIMIT = 200_003
WORKERS = 2
EXPECTED = _primes_below(LIMIT)


class _JoinedAnywhere:
    """Let held workers end once any thread of this process waits for one in join().

    Pool.join() waits in the caller's thread; a ProcessPoolExecutor's shutdown in
    its manager thread. A pool that is closed but never joined (nor terminated)
    leaves its workers held, so they are still running when the call returns,
    every time.
    """

    def __init__(self, ctx):
        self.ctx = ctx

    def __call__(self, thread):
        for other in threading.enumerate():
            joining, timeout = join_timeout(other)
            if joining and (timeout is None or (type(timeout) in (int, float) and timeout >= HOLD)):
                self.ctx.release()
                break
        return None


def _check_primes(student, method, recording, stuck_budget):
    with _ending(recording(method, rendezvous=WORKERS, hold=HOLD)) as ctx:
        got, _ = _call(
            student.count_primes_parallel,
            LIMIT,
            WORKERS,
            ctx,
            timeout=_timeout(method),
            budget=stuck_budget,
            what=f"count_primes_parallel({LIMIT}, {WORKERS}, <{method} context>)",
            hang_hint="Is a worker waiting for something, or the pool for a worker that died?",
            stalled=_JoinedAnywhere(ctx),
        )
        _int(got, "count_primes_parallel")
        assert got == EXPECTED, (
            f"under {method}: got {safe_repr(got)}, but there are {EXPECTED} primes below {LIMIT}"
        )
        _check_workers(ctx, WORKERS)


def _check_workers(ctx, workers):
    """Fail unless exactly `workers` processes, made through ctx, ran together and ended."""
    started = ctx.started
    assert started, (
        "no process was started through `context`: make your pool with context.Pool(...) "
        "(or your processes with context.Process(...))"
    )
    assert len(started) == workers, (
        f"{len(started)} processes were started through `context`, but workers={workers}"
    )
    alive = ctx.alive()
    assert not alive, (
        f"{len(alive)} worker processes were still running when it returned: close the pool "
        "and wait for its workers (`with context.Pool(...) as pool:`, or close() then join())"
    )
    unreleased = [p for p in ctx.pools if not p.released]
    assert not unreleased, (
        "a Pool was never closed or terminated: use `with context.Pool(...) as pool:`"
    )
    assert ctx.all_met is not False, f"the {workers} worker processes never ran at the same time"


#: The three start methods, one case each: spawn and forkserver count double, because they
#: also need importable worker code.
START_METHODS = [
    pytest.param("fork"),
    pytest.param("spawn", marks=pytest.mark.weight(2)),
    pytest.param("forkserver", marks=pytest.mark.weight(2)),
]


@PRIMES(
    "Return how many primes",
    "Use exactly `workers` worker processes",
    "no worker is left running",
    "It works under every start method",
    "So the function that a worker runs",
    deadline=16,
)
@pytest.mark.parametrize("method", START_METHODS)
def test_counts_with_workers_processes(student, recording, stuck_budget, method):
    """under this start method: the serial count, from `workers` processes that are all closed"""
    _check_primes(student, method, recording, stuck_budget)


@PRIMES("The counting happens in the workers", "at least `workers` pieces", weight=2, deadline=16)
def test_every_worker_counts_and_the_caller_does_not(student, recording, stuck_budget):
    """the counting happens in the workers, and each worker does a share of it"""
    method = _cheapest_method()
    options = {"rendezvous": WORKERS, "measure_cpu": True, "meet": WORKERS}
    with _ending(recording(method, **options)) as ctx:
        got, caller_cpu = _call(
            student.count_primes_parallel,
            LIMIT,
            WORKERS,
            ctx,
            timeout=_timeout(method),
            budget=stuck_budget,
            what=f"count_primes_parallel({LIMIT}, {WORKERS}, <{method} context>)",
        )
        _int(got, "count_primes_parallel")
        assert got == EXPECTED, (
            f"got {safe_repr(got)}, but there are {EXPECTED} primes below {LIMIT}"
        )
        cpu = ctx.cpu_seconds()
        assert len(cpu) == WORKERS, f"expected {WORKERS} worker processes, {len(cpu)} were started"
        total = sum(cpu)
        assert caller_cpu < max(0.5 * total, 0.02), (
            f"the calling process spent {caller_cpu:.2f} s of CPU, the workers {total:.2f} s "
            "together: the counting should happen in the workers"
        )
        shares = ", ".join(f"{c:.3f}" for c in cpu)
        assert min(cpu) >= 0.1 * max(cpu), (
            f"the workers spent {shares} s of CPU each: one did (almost) all the work. "
            "Split the range into at least `workers` pieces of about the same length"
        )
        assert ctx.ran_together is not False, (
            f"the pool never ran {WORKERS} pieces at the same time: hand it all the pieces at "
            "once (map, starmap, or apply_async for each and then get()), not one apply() "
            "after another, which waits for each piece before handing out the next"
        )


#: A limit that leaves 1 over when split in WORKERS equal pieces (and is quick to count).
SMALL_LIMIT = 20_003


@PRIMES("The counting happens in the workers", deadline=16)
def test_the_caller_never_runs_the_workers_function(student, recording, stuck_budget):
    """the calling process never runs the function that the pool's workers run, not even for a leftover piece"""
    method = _cheapest_method()
    calls = set()
    noting = _noting_calls(sys.modules.get("my_primes"), calls, student)
    with noting, _ending(recording(method, rendezvous=WORKERS)) as ctx:
        got, _ = _call(
            student.count_primes_parallel,
            SMALL_LIMIT,
            WORKERS,
            ctx,
            timeout=_timeout(method) + 5,
            budget=stuck_budget,
            what=f"count_primes_parallel({SMALL_LIMIT}, {WORKERS}, <{method} context>)",
        )
        _int(got, "count_primes_parallel")
        expected = _primes_below(SMALL_LIMIT)
        assert got == expected, (
            f"got {safe_repr(got)}, but there are {expected} primes below {SMALL_LIMIT}"
        )
        handed = {_name_of(f) for pool in ctx.pools for f in pool.funcs}
        own = sorted(handed & calls)
        assert not own, (
            f"the calling process itself ran {', '.join(own)}, the function the pool's workers "
            "run: all the counting happens in the workers. Make any leftover numbers a piece "
            "of work for the pool too"
        )


def _noting_calls(module, calls, student):
    """While active, every function defined in `module` (the student's my_primes) is
    swapped, there and where the notebook bound it, for one that adds its name to `calls`
    when it runs in this process.

    The stand-in keeps the function's module and name, so a pool still pickles it by
    reference: a forked worker runs it in a process of its own (and notes nothing here),
    and a spawned one imports the module afresh. No tracing: the seal forbids it while
    grading.
    """
    stack = contextlib.ExitStack()
    if module is None:
        return stack
    parent = os.getpid()
    spaces = student_spaces(student)

    def noting(func):
        def call(*args, **kwargs):
            if os.getpid() == parent:
                calls.add(func.__qualname__)
            return func(*args, **kwargs)

        call.__module__, call.__name__, call.__qualname__ = (
            func.__module__,
            func.__name__,
            func.__qualname__,
        )
        return call

    for name, func in list(vars(module).items()):
        if type(func) is types.FunctionType and func.__module__ == module.__name__:
            stack.enter_context(swapped(module, name, noting(func), spaces))
    return stack


def _name_of(func):
    name = getattr(func, "__qualname__", None)
    return name if type(name) is str else "?"


@PRIMES(
    "Return how many primes",
    "For example",
    "even when `workers` is more than",
    "at least `workers` pieces",
    deadline=16,
)
def test_more_workers_than_cores_and_small_limits(student, recording, stuck_budget):
    """3 workers on a machine that says it has 2 cores; limits 100, 0, 1, 2, 3, 4 and 10; a pool gets at least 3 pieces"""
    method = _cheapest_method()
    for limit in (100, 0, 1, 2, 3, 4, 10):
        options = {"rendezvous": 3 if limit >= 3 else 0, "hold": HOLD}
        with _ending(recording(method, **options)) as ctx, _cores(2):
            got, _ = _call(
                student.count_primes_parallel,
                limit,
                3,
                ctx,
                timeout=_timeout(method),
                budget=stuck_budget,
                what=f"count_primes_parallel({limit}, 3, <{method} context>) with 2 cores",
                stalled=_JoinedAnywhere(ctx),
            )
            expected = _primes_below(limit)
            _int(got, f"count_primes_parallel({limit}, 3)")
            assert got == expected, (
                f"count_primes_parallel({limit}, 3) gave {safe_repr(got)}, not {expected}"
            )
            if limit >= 3:
                _check_workers(ctx, 3)
                # Only a Pool shows how the work was cut (processes of your own are judged
                # by the other tests): with limit >= workers, at least one piece per worker.
                tasks = sum(p.tasks for p in ctx.pools)
                assert not ctx.pools or tasks >= 3, (
                    f"count_primes_parallel({limit}, 3) handed its pool {tasks} piece(s) of work "
                    "for 3 workers: split range(0, limit) into at least `workers` pieces when "
                    "limit >= workers (pieces of length 1 are fine)"
                )


@PRIMES("When `context` is `None`", deadline=16)
def test_uses_the_default_context_when_none_is_given(student, stuck_budget):
    """with context=None it uses multiprocessing.get_context(), whichever start method that is"""
    for method in _DEFAULT_METHODS:
        ctx = CheckingContext(method, rendezvous=WORKERS, hold=HOLD)
        with _ending(ctx), _as_default(ctx):
            got, _ = _call(
                student.count_primes_parallel,
                30_000,
                WORKERS,
                timeout=_timeout(method),
                budget=stuck_budget,
                what=f"count_primes_parallel(30000, {WORKERS}) with {method} as the default",
                stalled=_JoinedAnywhere(ctx),
            )
            _int(got, "count_primes_parallel(30000, 2)")
            assert got == 3245, f"count_primes_parallel(30000, 2) gave {safe_repr(got)}, not 3245"
            assert ctx.started, (
                f"with context=None and {method} as the default start method, no process was "
                "started through multiprocessing.get_context(): use the default context, do not "
                "pick a start method of your own"
            )
            _check_workers(ctx, WORKERS)


# --------------------------------------------------------------------------
# shared_counter

N_PROCS = 3
N_EACH = 30


def _check_counter(student, method, recording, stuck_budget):
    # Reads of the value pause 1 ms, and the children start together: any
    # increment not done under the value's lock loses updates. The value also
    # counts each process's writes, and notes any write that is not "plus one".
    options = {"rendezvous": N_PROCS, "racy_pause": 0.001, "steps": True, "hold": HOLD}
    joins = _ProcessJoins()
    with _ending(recording(method, **options)) as ctx:
        got, _ = _call(
            student.increment_in_processes,
            N_PROCS,
            N_EACH,
            ctx,
            timeout=_timeout(method) + HOLD,
            stalled=_StuckInJoin(ctx, patience=None),
            budget=stuck_budget,
            what=f"increment_in_processes({N_PROCS}, {N_EACH}, <{method} context>)",
            hang_hint="Does a process wait for a lock that is never released?",
            joins=joins,
        )
        _check_counter_result(ctx, got, N_PROCS, N_EACH, method, joins)


def _check_counter_result(ctx, got, n_procs, n_each, method, joins):
    assert ctx.values, "no shared value was made with context.Value(...)"
    started = ctx.started
    assert len(started) == n_procs, (
        f"{len(started)} processes were started with context.Process, expected {n_procs}"
    )
    running = [p for p in started if p.exitcode is None]
    assert not running, (
        f"it returned while {len(running)} of the processes were still running: join them all "
        "before reading the total, and wait as long as they take (join() with no time limit)"
        + joins.says()
    )
    codes = [p.exitcode for p in started]
    assert all(code == 0 for code in codes), f"the processes ended with exit codes {codes}"
    total = n_procs * n_each
    _int(got, "increment_in_processes")
    if 0 <= got < total:
        assert got == total, (
            f"under {method}: {n_procs} processes adding 1 {n_each} times each gave {got}, "
            f"not {total}: {total - got} increments were lost. `value += 1` reads, then "
            "writes; another process can write in between. Hold counter.get_lock() around it"
        )
    assert got == total, f"under {method}: expected {total}, got {safe_repr(got)}"
    assert ctx.all_met is not False, (
        f"the {n_procs} processes never ran at the same time: start them all before joining any"
    )
    value = ctx.values[0]
    writes = value.writes()
    per_child = [writes.get(p.pid, 0) for p in started]
    assert per_child == [n_each] * n_procs, (
        f"the processes wrote the shared value {per_child} times each, expected {n_each} "
        "times each: every process adds 1, n_each times, one increment at a time"
    )
    assert value.every_write_added_one, (
        "a process stored something other than the value it read plus one: add 1 at a time"
    )


@COUNTER(
    "Make one shared integer",
    "Start `n_procs` processes",
    "one increment at a time",
    "exactly `n_procs * n_each`",
    deadline=16,
)
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_exact_total(student, recording, stuck_budget, method):
    """under this start method: no increment is lost, even when the processes race"""
    _check_counter(student, method, recording, stuck_budget)


@COUNTER("exactly `n_procs * n_each`", deadline=20)
def test_returns_a_plain_int(student, recording, stuck_budget):
    """returns the total as an int (not the shared Value), 0 when n_each is 0"""
    method = _cheapest_method()
    for n_each, total in ((0, 0), (5, 10)):
        # The children run one at a time: losing updates is the other tests'
        # business, and must not change this test's verdict from run to run.
        joins = _ProcessJoins()
        with _ending(recording(method, hold=HOLD, one_at_a_time=True)) as ctx:
            got, _ = _call(
                student.increment_in_processes,
                2,
                n_each,
                ctx,
                timeout=_timeout(method) + HOLD,
                stalled=_StuckInJoin(ctx, patience=None),
                budget=stuck_budget,
                what=f"increment_in_processes(2, {n_each}, <{method} context>)",
                joins=joins,
            )
            assert type(got) is int, (
                f"returned {type_name(got)} {safe_repr(got)}: return counter.value, a plain int"
            )
            assert got == total, (
                f"increment_in_processes(2, {n_each}) gave {safe_repr(got)}, not {total}"
            )
            assert len(ctx.started) == 2, (
                f"{len(ctx.started)} processes were started with context.Process, expected 2"
            )
            running = [p for p in ctx.started if p.exitcode is None]
            assert not running, (
                f"it returned while {len(running)} of the processes were still running: join "
                "them all before reading the total, and wait as long as they take" + joins.says()
            )


#: More increments than a C short (typecode "h", at most 32767) can count.
BIG_EACH = 16_400


@COUNTER("exactly `n_procs * n_each`", deadline=20)
def test_a_total_above_32767_is_exact(student, recording, stuck_budget):
    """a total of 32800 (2 processes adding 16400 each) comes out exact: the shared integer is big enough"""
    method = _cheapest_method()
    total = 2 * BIG_EACH
    joins = _ProcessJoins()
    # The children run one at a time: losing updates is the other tests' business.
    with _ending(recording(method, hold=HOLD, one_at_a_time=True)) as ctx:
        got, _ = _call(
            student.increment_in_processes,
            2,
            BIG_EACH,
            ctx,
            timeout=3 * _timeout(method) + HOLD,
            stalled=_StuckInJoin(ctx, patience=None),
            budget=stuck_budget,
            what=f"increment_in_processes(2, {BIG_EACH}, <{method} context>)",
            joins=joins,
        )
        running = [p for p in ctx.started if p.exitcode is None]
        assert not running, (
            f"it returned while {len(running)} of the processes were still running: join "
            "them all before reading the total, and wait as long as they take" + joins.says()
        )
        _int(got, "increment_in_processes")
        assert got == total, (
            f"increment_in_processes(2, {BIG_EACH}) gave {got}, not {total}. Can the shared "
            "integer hold that much? A C short (typecode 'h') stops at 32767 and wraps "
            "around; 'i' holds up to 2**31 - 1, 'q' up to 2**63 - 1"
        )


@COUNTER("When `context` is `None`", deadline=20)
def test_counter_uses_the_default_context_when_none_is_given(student, stuck_budget):
    """with context=None it uses multiprocessing.get_context(), whichever start method that is"""
    for method in _DEFAULT_METHODS:
        ctx = CheckingContext(method, rendezvous=2, racy_pause=0.001, steps=True, hold=HOLD)
        joins = _ProcessJoins()
        with _ending(ctx), _as_default(ctx):
            got, _ = _call(
                student.increment_in_processes,
                2,
                10,
                timeout=_timeout(method) + HOLD,
                stalled=_StuckInJoin(ctx, patience=None),
                budget=stuck_budget,
                what=f"increment_in_processes(2, 10) with {method} as the default",
                joins=joins,
            )
            assert ctx.started, (
                f"with context=None and {method} as the default start method, no process was "
                "started through multiprocessing.get_context(): use the default context, do not "
                "pick a start method of your own"
            )
            _check_counter_result(ctx, got, 2, 10, method, joins)


# --------------------------------------------------------------------------
# coprocess

ECHO = "autograder.consumers:PickleEcho"
# Falsy objects too: every one of them is an object to pass on, not the end of the stream.
OBJECTS = [1, 0, None, "two", "", [3.0, None], [], {"four": (4,)}, False, b"", b"five\n\n", -6]


def _coprocess_module(student):
    """Return (module name, folder) of the module that defines the student's coprocess."""
    cls = student.CoprocessSender
    name = getattr(cls, "__module__", "__main__")
    if type(name) is not str:  # a str subclass could fake == and hash
        name = "__main__"
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if name == "__main__" or not path:
        pytest.fail(
            "CoprocessSender and serve must be defined in the module my_coprocess.py "
            "(the %%writefile cell), so that a child process can run it with -m",
            pytrace=False,
        )
    return name, str(Path(path).resolve().parent)


class _Coprocess:
    """The student's module run as `python -m module consumer`, its output read in threads."""

    def __init__(self, module, folder, consumer=ECHO):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (folder, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, consumer],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=folder,
            env=env,
        )
        self.received = queue.Queue()
        self.errors = []
        threading.Thread(target=self._read_stdout, daemon=True, name="coprocess-out").start()
        threading.Thread(target=self._read_stderr, daemon=True, name="coprocess-err").start()

    def _read_stdout(self):
        try:
            while True:
                self.received.put(pickle.load(self.proc.stdout))
        except EOFError:
            self.received.put(("eof",))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.received.put(("unreadable", repr(exc)))

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.errors.append(line.decode("utf-8", errors="replace").rstrip())

    def next(self, timeout):
        """Return the next message from the consumer, or None after `timeout` seconds."""
        try:
            return self.received.get(timeout=timeout)
        except queue.Empty:
            return None

    def stderr_tail(self):
        # The last lines only, each cut short: the child is the student's code.
        lines = [line[:200] for line in self.errors[-50:] if line.strip()]
        return ("\nthe child printed:\n    " + "\n    ".join(lines[-4:])) if lines else ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except (OSError, ValueError):
                pass


@pytest.fixture
def coprocess(student):
    """Start the student's coprocess module as a child, echoing what its consumer gets."""
    children = []

    def start():
        child = _Coprocess(*_coprocess_module(student))
        children.append(child)
        # The echoing consumer says "ready" once the child has started: the
        # waits below then time deliveries, not the start of an interpreter.
        message = child.next(timeout=15)
        if not same(message, ("ready",)):
            pytest.fail(
                f"the child did not start (it said {safe_repr(message)}){child.stderr_tail()}",
                pytrace=False,
            )
        return child

    yield start
    for child in children:
        child.stop()


class _Recorder:
    """A consumer that remembers what it was sent and how often it was closed."""

    def __init__(self):
        self.items = []
        self.closed = 0
        self.sent_after_close = 0

    def send(self, item):
        if self.closed:
            self.sent_after_close += 1
        self.items.append(item)

    def close(self):
        self.closed += 1


class _RawSink(io.RawIOBase):
    """The raw end of a buffered stream: what reached it is what a pipe would carry."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += b
        return len(b)


def _load_all(data):
    stream = io.BytesIO(bytes(data))
    out = []
    while stream.tell() < len(data):
        out.append(pickle.load(stream))
    return out


@COPROCESS("`send(obj)` writes `obj` to the stream as one pickle")
def test_send_writes_one_pickle_per_object_in_order(student):
    """send() writes each object as a pickle, in order"""
    stream = io.BytesIO()
    sender = student.CoprocessSender(stream)
    for obj in OBJECTS:
        sender.send(obj)
    try:
        got = _load_all(stream.getvalue())
    except Exception as exc:  # noqa: BLE001 - reported to the student
        pytest.fail(
            f"the stream does not hold a sequence of pickles: {safe_repr(exc)}", pytrace=False
        )
    # Unpickling can make any object, a look-alike too: compare exact types.
    assert same(got, OBJECTS), f"unpickling the stream gave {safe_repr(got)}, expected {OBJECTS!r}"


@COPROCESS("`send(obj)` writes `obj` to the stream as one pickle")
def test_send_flushes_each_object(student):
    """after send() returns, the object has left the stream's buffer"""
    raw = _RawSink()
    stream = io.BufferedWriter(raw, buffer_size=1 << 16)
    sender = student.CoprocessSender(stream)
    for i, obj in enumerate(OBJECTS):
        sender.send(obj)
        try:
            got = _load_all(raw.data)
        except Exception:  # noqa: BLE001 - a partial pickle: not flushed
            got = None
        assert same(got, OBJECTS[: i + 1]), (
            f"after send({obj!r}) returned, the object was still in the stream's buffer, so "
            "the other side could not read it yet: flush the stream in send()"
        )


@COPROCESS("`close()` closes the stream")
def test_close_closes_the_stream(student):
    """close() closes the stream, which is how the other side learns it is over"""
    stream = io.BytesIO()
    sender = student.CoprocessSender(stream)
    sender.send("last")
    sender.close()
    assert stream.closed, "close() left the stream open: the child would never see end-of-file"


@COPROCESS(
    "`serve(stream, consumer)` unpickles", "even a falsy one", "End-of-file is the normal end"
)
def test_serve_feeds_the_consumer_in_order_and_closes_it_at_eof(student):
    """serve() passes each object to consumer.send() in order, then calls close() once at EOF"""
    stream = io.BytesIO(b"".join(pickle.dumps(obj) for obj in OBJECTS))
    consumer = _Recorder()
    finished, _ = _call_quietly(student.serve, stream, consumer, timeout=1.5)
    assert finished, "serve() did not return at end-of-file within 1.5 s"
    assert same(consumer.items, OBJECTS), (
        f"the consumer got {safe_repr(consumer.items)}, expected {OBJECTS!r}"
    )
    assert consumer.closed == 1, (
        f"consumer.close() was called {consumer.closed} times at end-of-file, expected once"
    )


def _call_quietly(func, *args, timeout=2.0):
    """Run func(*args) in a helper thread; return (finished, result), re-raising its error."""
    box = {}

    def target():
        try:
            box["value"] = func(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="student-call")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return False, None
    if "error" in box:
        pytest.fail(f"raised {safe_repr(box['error'], 500)}", pytrace=False)
    return True, box.get("value")


@COPROCESS(
    "The given `__main__` block makes the module a program",
    "even a falsy one",
    weight=2,
    deadline=15,
)
def test_the_child_receives_each_object_as_soon_as_it_is_sent(student, coprocess):
    """a child running your module gets each object right after send(), in order"""
    child = coprocess()
    sender = student.CoprocessSender(child.proc.stdin)
    for obj in OBJECTS:
        sender.send(obj)
        message = child.next(timeout=1.5)
        assert message is not None, (
            f"the child had not received {obj!r} 1.5 s after send() returned: is the stream "
            f"flushed?{child.stderr_tail()}"
        )
        assert same(message, ("item", obj)), (
            f"sent {obj!r}, but the child's consumer got {safe_repr(message)}{child.stderr_tail()}"
        )


@COPROCESS("`send(obj)` writes `obj` to the stream as one pickle", deadline=15)
def test_large_objects_arrive_whole(student, coprocess):
    """objects of several megabytes arrive whole, between small ones"""
    big = bytes(range(256)) * 8192  # 2 MiB, full of newline bytes
    many = list(range(100_000))
    objects = ["start", big, many, "end"]
    child = coprocess()
    sender = student.CoprocessSender(child.proc.stdin)
    got = []

    def send_all():
        for obj in objects:
            sender.send(obj)

    sending = threading.Thread(target=send_all, daemon=True, name="sender")
    sending.start()  # the child echoes while we send: read as we go
    for _ in objects:
        message = child.next(timeout=3)
        if message is None:
            break
        got.append(message)
    sending.join(2)
    assert len(got) == len(objects), (
        f"only {len(got)} of {len(objects)} objects reached the child{child.stderr_tail()}"
    )
    assert same(got, [("item", obj) for obj in objects]), (
        f"the objects arrived changed or out of order{child.stderr_tail()}"
    )


@COPROCESS(
    "So after `close()`, the child closes its consumer and exits with code 0", weight=2, deadline=15
)
def test_close_makes_the_child_close_its_consumer_and_exit_0(student, coprocess):
    """after close() the child closes its consumer and exits with code 0"""
    child = coprocess()
    sender = student.CoprocessSender(child.proc.stdin)
    for obj in ("a", "b"):
        sender.send(obj)
        message = child.next(timeout=1.5)
        assert same(message, ("item", obj)), (
            f"sent {obj!r}, but the child's consumer got {safe_repr(message)}{child.stderr_tail()}"
        )
    sender.close()
    message = child.next(timeout=1.5)
    assert same(message, ("closed", 2)), (
        "the child's consumer was not closed after close(): at end-of-file "
        f"(pickle.load raises EOFError) call consumer.close(){child.stderr_tail()}"
    )
    try:
        code = child.proc.wait(3)
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"the child was still running 3 s after close(){child.stderr_tail()}", pytrace=False
        )
    assert code == 0, (
        f"the child exited with code {code}: end-of-file is the normal end of the stream, "
        f"not an error{child.stderr_tail()}"
    )


class _Failing(Exception):
    """The error a test's stream or consumer raises: it must reach the caller unchanged."""


class _ConsumerEOF(EOFError):
    """An EOFError of the consumer's own (its input ran out): not the end of the stream."""


class _StreamIOError(OSError):
    """An I/O error of the stream (a broken disk or pipe): not the end of the stream."""


class _FailingConsumer(_Recorder):
    """A consumer whose send() raises `error` on its third object."""

    def __init__(self, error=_Failing):
        super().__init__()
        self.error = error

    def send(self, item):
        super().send(item)
        if len(self.items) == 3:
            raise self.error("the consumer failed on its third object")


class _FailingRaw(io.RawIOBase):
    """A raw stream that gives `data` once, then fails as a broken disk or pipe would."""

    def __init__(self, data, error=_Failing):
        self.data = data
        self.error = error

    def readable(self):
        return True

    def readinto(self, b):
        if not self.data:
            raise self.error("the stream failed after its first bytes")
        n = min(len(b), len(self.data))
        b[:n] = self.data[:n]
        self.data = self.data[n:]
        return n


class _BrokenSink(io.RawIOBase):
    """A raw stream whose writes fail, as writing to a child that has exited does."""

    def writable(self):
        return True

    def write(self, b):
        raise BrokenPipeError(32, "Broken pipe")


def _run_catching(func, *args, timeout=1.5):
    """Run func(*args) in a helper thread; return (finished, the exception it raised or None)."""
    box = {}

    def target():
        try:
            func(*args)
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="student-call")
    thread.start()
    thread.join(timeout)
    return not thread.is_alive(), box.get("error")


@COPROCESS("Any other error")
@pytest.mark.parametrize(
    "error", [_Failing, _ConsumerEOF], ids=["an exception", "an EOFError of its own"]
)
def test_serve_lets_a_failing_consumer_raise(student, error):
    """an exception from consumer.send() comes out of serve(), and no later object is sent"""
    stream = io.BytesIO(b"".join(pickle.dumps(obj) for obj in OBJECTS))
    consumer = _FailingConsumer(error)
    finished, raised = _run_catching(student.serve, stream, consumer)
    assert finished, "serve() did not return within 1.5 s after its consumer raised"
    assert type(raised) is error, (
        f"the consumer raised {error.__mro__[1].__name__} on its third object, but serve() "
        f"{'returned normally' if raised is None else 'raised ' + safe_repr(raised)}: "
        "let an error that is not the end of the stream reach the caller. Only the EOFError "
        "of pickle.load() is the normal end: catch it around the load alone, not around "
        "consumer.send()"
    )
    assert same(consumer.items, OBJECTS[:3]), (
        f"the consumer got {safe_repr(consumer.items)} before serve() stopped"
    )


@COPROCESS("Any other error")
@pytest.mark.parametrize("error", [_Failing, _StreamIOError], ids=["an exception", "an OSError"])
def test_serve_lets_a_failing_stream_raise(student, error):
    """an exception from the stream (not end-of-file) comes out of serve()"""
    data = b"".join(pickle.dumps(obj) for obj in OBJECTS[:4])
    consumer = _Recorder()
    stream = io.BufferedReader(_FailingRaw(data, error))
    finished, raised = _run_catching(student.serve, stream, consumer)
    assert finished, "serve() did not return within 1.5 s after its stream failed"
    assert type(raised) is error, (
        f"reading the stream failed with {error.__mro__[1].__name__} (an error, not "
        "end-of-file), but serve() "
        f"{'returned normally' if raised is None else 'raised ' + safe_repr(raised)}: "
        "only EOFError is the normal end"
    )
    assert same(consumer.items, OBJECTS[:4]), (
        f"the consumer got {safe_repr(consumer.items)} before the stream failed"
    )


@COPROCESS("Any other error")
def test_serve_lets_a_corrupt_stream_raise(student):
    """a stream that holds something that is not a pickle makes serve() raise UnpicklingError"""
    data = b"".join(pickle.dumps(obj) for obj in OBJECTS[:2]) + b"\xff not a pickle"
    consumer = _Recorder()
    finished, raised = _run_catching(student.serve, io.BytesIO(data), consumer)
    assert finished, "serve() did not return within 1.5 s on a corrupt stream"
    assert isinstance(raised, pickle.UnpicklingError), (
        "after two pickles the stream held bytes that are not a pickle, so pickle.load() "
        "raised UnpicklingError, but serve() "
        f"{'returned normally' if raised is None else 'raised ' + safe_repr(raised)}: "
        "only EOFError is the normal end; a corrupt stream is an error the caller must see"
    )
    assert same(consumer.items, OBJECTS[:2]), (
        f"the consumer got {safe_repr(consumer.items)} before the corrupt bytes"
    )


#: Objects whose pickles refer back to their own parts (the same string twice).
SHARING = [["same", "same"], ["other", "other"], ("third", "third", "third")]


def _sharing():
    # Built at run time: each list holds one string object twice, as a pickle records it.
    return [[s, s] for s in ("same", "other")] + [("third",) * 3]


@COPROCESS("`send(obj)` writes `obj` to the stream as one pickle")
def test_each_send_is_a_pickle_of_its_own_and_shows_the_object_as_it_is_now(student):
    """a list sent, changed and sent again arrives twice, as it was each time; each send can be read by one pickle.load()"""
    stream = io.BytesIO()
    sender = student.CoprocessSender(stream)
    changing = [1]
    sender.send(changing)
    changing.append(2)
    sender.send(changing)
    for obj in _sharing():
        sender.send(obj)
    expected = [[1], [1, 2], *SHARING]
    try:
        got = _load_all(stream.getvalue())
    except Exception as exc:  # noqa: BLE001 - reported to the student
        pytest.fail(
            "reading the stream with one pickle.load() per object failed after a list was "
            f"sent, changed and sent again: {safe_repr(exc)}. Each send() must write a "
            "pickle that stands on its own (pickle.dump(obj, stream)); a Pickler kept "
            "across sends writes only a reference to an object it has seen before",
            pytrace=False,
        )
    assert same(got, expected), (
        f"the stream holds {safe_repr(got)}, expected {expected!r}: each send() writes the "
        "object as it is at that moment, as a pickle of its own"
    )


@COPROCESS("`serve(stream, consumer)` unpickles")
def test_serve_reads_each_pickle_on_its_own(student):
    """serve() reads pickles written one by one with pickle.dumps(), each as it was written"""
    stream = io.BytesIO(b"".join(pickle.dumps(obj) for obj in _sharing()))
    consumer = _Recorder()
    finished, _ = _call_quietly(student.serve, stream, consumer, timeout=1.5)
    assert finished, "serve() did not return at end-of-file within 1.5 s"
    assert same(consumer.items, SHARING), (
        f"the consumer got {safe_repr(consumer.items)}, expected {SHARING!r}: each pickle "
        "stands on its own, so read each with pickle.load(stream). An Unpickler kept across "
        "pickles keeps its memo, and the references of the next pickle point into the old one"
    )


@COPROCESS("Any other error")
def test_send_lets_a_failing_stream_raise(student):
    """when the stream cannot be written (the child has exited), send() raises"""
    sender = student.CoprocessSender(io.BufferedWriter(_BrokenSink(), buffer_size=64))
    finished, error = _run_catching(sender.send, b"x" * 1000)
    assert finished, "send() did not return within 1.5 s"
    assert isinstance(error, BrokenPipeError), (
        "writing to the stream raised BrokenPipeError, but send() "
        f"{'returned normally' if error is None else 'raised ' + safe_repr(error)}: "
        "the caller must learn that the object never left"
    )


# --------------------------------------------------------------------------
# pipe_pingpong

ROUNDS = 40
PINGPONG_HANG = (
    "The child was probably still waiting in recv(). A pipe end reports end-of-file only "
    "when every copy of the other end is closed, in every process; a forked child inherits "
    "copies of both ends. Did the parent close its end before joining the child?"
)


class _StuckInJoin:
    """Watch a thread that may wait in Process.join(); release held children; spot a hang.

    The children in these tests stay alive after their function returns until
    the parent waits for them in join() without a timeout (or with one of at
    least HOLD seconds): then the test lets them end. A parent that stops
    waiting sooner (join with a short timeout, or no join) sees a child that is
    still running, every time. A parent that has waited `patience` seconds in
    join() after that waits for a child that is itself waiting: for a message,
    or for an end-of-file that never comes.
    """

    def __init__(self, ctx, patience=2.0):
        self.ctx = ctx
        self.patience = patience  # None: only release, never call it a hang
        self.since = None

    def __call__(self, thread):
        joining, timeout = join_timeout(thread)
        if not joining:
            self.since = None
            return None
        if timeout is None or (type(timeout) in (int, float) and timeout >= HOLD):
            self.ctx.release()
        self.since = self.since or time.monotonic()
        if self.patience is None or time.monotonic() - self.since < self.patience:
            return None
        return (
            f"has waited {self.patience:g} s in join() for a child that does not end. "
            + PINGPONG_HANG
        )


def _check_pingpong(
    student, method, recording, stuck_budget, rounds=ROUNDS, default=False, slow=False
):
    """Play and check; `slow`: every time limit the parent waits with runs out."""
    ctx = recording(method, hold=HOLD, watch_pipes=True, slow_replies=slow)
    args = (rounds,) if default else (rounds, ctx)
    what = f"pingpong({rounds}" + (
        f") with {method} as the default" if default else f", <{method} context>)"
    )
    joins = _ProcessJoins()
    # A slow game: in the student's call the clock (and time.sleep) runs fast too, so
    # a loop that polls is_alive() until some deadline reaches it at once.
    fast = (
        FastWaits(joins.idents, about="a wait", where="the calling thread")
        if slow
        else contextlib.nullcontext()
    )
    with _ending(ctx), _as_default(ctx) if default else contextlib.nullcontext(), fast:
        got, _ = _call(
            student.pingpong,
            *args,
            timeout=_timeout(method) + HOLD,
            budget=stuck_budget,
            what=what,
            hang_hint=PINGPONG_HANG,
            stalled=_StuckInJoin(ctx),
            joins=joins,
        )
        says = joins.says() + (fast.says() if slow else "")
        if ctx.ping_log.polls_run_out:
            says += (
                " (this test makes the child's reply come later than the first time limit the "
                f"parent polls for it with; that happened {ctx.ping_log.polls_run_out} times)"
            )
        started = ctx.started
        if default:
            assert started, (
                f"with context=None and {method} as the default start method, no process was "
                "started through multiprocessing.get_context(): use the default context, do not "
                "pick a start method of your own"
            )
        assert len(started) == 1, (
            f"{len(started)} processes were started with context.Process, expected exactly one"
        )
        assert ctx.pipes, "no pipe was made with context.Pipe()"
        child = started[0]
        code = child.exitcode
        assert code is not None, (
            "pingpong returned while the child was still running: join it, with no time limit "
            "(the child may need any time to end)" + says
        )
        expected = [("pong", i, child.pid) for i in range(rounds)]
        # Exact types: the replies came through a pipe, as pickles, and a list subclass or
        # a tuple of look-alikes could make == say yes.
        assert same(got, expected), (
            f"under {method}: got {safe_repr(got)}, expected {expected!r}" + says
        )
        assert not ctx.pipe_problems, ctx.pipe_problems[0]
        assert code >= 0, (
            f"the child was killed by signal {-code}: do not terminate it. Close the parent's end; "
            "the child's recv() then raises EOFError, and it can return"
        )
        assert code == 0, (
            f"the child exited with code {code}: EOFError from recv() is how the game ends, "
            "so catch it and return"
        )


@PINGPONG(
    "Make a pipe with `context.Pipe()`",
    "one at a time; after each",
    "After the last round the parent closes its end",
    "That is the only signal the child gets",
    "Do not `terminate()` it",
    "returns the list of replies, after the child has exited",
    "Remember that a pipe end reports end-of-file",
    "It works under every start method",
    deadline=20,
)
@pytest.mark.parametrize(
    "method",
    # fork counts double: it is the first start method a student's code meets.
    [pytest.param("fork", marks=pytest.mark.weight(2)), "spawn", "forkserver"],
)
def test_plays_and_ends_cleanly(student, recording, stuck_budget, method):
    """under this start method: replies in order from the child, which then exits with code 0"""
    _check_pingpong(student, method, recording, stuck_budget)


@PINGPONG("one at a time; after each", "returns the list of replies, after the child", deadline=20)
def test_waits_for_a_slow_child_however_long_it_takes(student, recording, stuck_budget):
    """with a child slower than any time limit: every reply still comes back, and pingpong returns after the child has exited"""
    _check_pingpong(student, _cheapest_method(), recording, stuck_budget, rounds=3, slow=True)


@PINGPONG("`pingpong(0)` returns `[]`", deadline=20)
def test_zero_rounds(student, recording, stuck_budget):
    """pingpong(0) returns [] and the child still ends cleanly"""
    _check_pingpong(student, _cheapest_method(), recording, stuck_budget, rounds=0)


@PINGPONG("When `context` is `None`", deadline=20)
def test_pingpong_uses_the_default_context_when_none_is_given(student, recording, stuck_budget):
    """with context=None it uses multiprocessing.get_context(), whichever start method that is"""
    for method in _DEFAULT_METHODS:
        _check_pingpong(student, method, recording, stuck_budget, rounds=3, default=True)


# --------------------------------------------------------------------------
# fork_safe_log
#
# A child is made with os.fork() by the test itself. The child runs one small
# job on the student's logs, writes a JSON report to a pipe and leaves with
# os._exit(); the parent reads the report with a deadline and kills a child that
# hangs (a log whose lock is still held in the child hangs it for ever).

#: Seconds a forked child may take to report; a child still running then is killed.
CHILD_DEADLINE = 6.0
#: Seconds a thread of the parent holds a log's lock while the test forks.
HOLDER_PATIENCE = 3.0
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()), threading._PyRLock)


def _fork_and_report(job, deadline=CHILD_DEADLINE):
    """Run job() in a child made by os.fork(); return its JSON-able result, or fail."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # 3.12+ warns that a process with threads forks: that is this exercise's point.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            os.close(read_end)
            try:
                report = {"ok": job()}
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                report = {"error": safe_repr(exc, 300)}
            os.write(write_end, json.dumps(report).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    chunks, ends = [], time.monotonic() + deadline
    try:
        while True:
            left = ends - time.monotonic()
            ready = select.select([read_end], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                break
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
    finished = _reap(pid)
    data = b"".join(chunks)
    if not finished or not data:
        pytest.fail(
            f"a child made by os.fork() did not finish its work on the logs within {deadline} s "
            "and was killed. Was a log's lock still held in the child? The thread that held it "
            "when the parent forked does not exist there, so it never releases it: give every "
            "log a new lock in the child (os.register_at_fork(after_in_child=...))",
            pytrace=False,
        )
    report = json.loads(data)
    if "error" in report:
        pytest.fail(f"in a child made by os.fork(): {report['error']}", pytrace=False)
    return report["ok"]


def _reap(pid, patience=2.0):
    """Wait (with a deadline) for the child `pid`; kill it if it is still running. Finished?"""
    ends = time.monotonic() + patience
    while time.monotonic() < ends:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return True
        time.sleep(0.01)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    return False


def _described(entries):
    """What a child reports about what entries() returned: (type, repr, is it an empty list)."""
    return [type_name(entries), safe_repr(entries), same(entries, [])]


def _new_log(student, *entries):
    log = student.ForkSafeLog()
    for entry in entries:
        log.add(entry)
    return log


def _lock_of(log):
    lock = log.lock
    assert type(lock) in LOCK_TYPES, (
        f"log.lock is {type_name(lock)}, expected a threading.Lock or threading.RLock"
    )
    return lock


def _finishes(func, timeout):
    """Start func() in a thread; return (thread, box) after waiting up to `timeout` s."""
    box = {}

    def run():
        try:
            box["value"] = func()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True, name="student-call")
    thread.start()
    thread.join(timeout)
    return thread, box


def _module_of(student):
    """The module that defines ForkSafeLog (where a fork hook would be registered)."""
    name = getattr(student.ForkSafeLog, "__module__", "__main__")
    if type(name) is not str:
        name = "__main__"
    return sys.modules.get(name)


@FORKLOG(
    "`ForkSafeLog()` makes an empty log",
    "`add(entry)` appends any object",
    "`entries()` returns",
    deadline=10,
)
def test_a_log_keeps_any_entries_in_order_and_hands_out_copies(student):
    """a new log is empty; entries() is a new list of every entry added, in order, falsy ones too"""
    log = student.ForkSafeLog()
    _lock_of(log)
    first = log.entries()
    assert same(first, []), f"a new log's entries() returned {safe_repr(first)}, expected []"
    items = [3, None, "", 0, "x", False, 3]
    for item in items:
        log.add(item)
    got = log.entries()
    assert same(got, items), f"after adding {items!r}, entries() returned {safe_repr(got)}"
    got.append("not in the log")
    again = log.entries()
    assert same(again, items), (
        "changing the list that entries() returned changed the log: return a new list"
    )
    assert again is not got, "entries() returned the same list twice: return a new list"
    other = student.ForkSafeLog()
    other.add("other")
    assert same(log.entries(), items) and same(other.entries(), ["other"]), (
        "two logs share their entries: each log has its own"
    )
    assert other.lock is not log.lock, "two logs share one lock: each log has its own lock"


@FORKLOG("appends any object (even `None`) while holding", "read while holding", deadline=15)
def test_add_and_entries_wait_while_another_thread_holds_the_lock(student):
    """add() and entries() wait while another thread holds log.lock, and go on once it is free"""
    log = _new_log(student, "a")
    lock = _lock_of(log)
    for name, call, expected in (
        ("add('b')", lambda: log.add("b"), None),
        ("entries()", log.entries, ["a", "b"]),
    ):
        assert lock.acquire(timeout=2.0), "log.lock could not be taken by the test"
        try:
            thread, box = _finishes(call, 1.0)
            assert thread.is_alive(), (
                f"{name} finished while another thread held log.lock: hold log.lock in it"
            )
        finally:
            lock.release()
        thread.join(5.0)
        assert not thread.is_alive(), f"{name} did not finish within 5 s once log.lock was free"
        if "error" in box:
            pytest.fail(f"{name} raised {safe_repr(box['error'], 300)}", pytrace=False)
        if expected is not None:
            assert same(box.get("value"), expected), (
                f"{name} returned {safe_repr(box.get('value'))}, expected {expected!r}"
            )


@FORKLOG("every log that existed at the fork is empty", "The child can use each log", deadline=20)
def test_in_a_forked_child_every_log_starts_empty(student):
    """in a child made by os.fork(), every log is empty and works as new, the oldest one too"""
    logs = [_new_log(student, "one", 1), _new_log(student), _new_log(student, None, "three")]

    def job():
        before = [_described(log.entries()) for log in logs]
        for i, log in enumerate(logs):
            log.add(f"child {i}")
        after = [_described(log.entries()) for log in logs]
        return {"before": before, "after": after}

    report = _fork_and_report(job)
    for i, (kind, text, empty) in enumerate(report["before"]):
        assert empty, (
            f"in the forked child, log {i}'s entries() returned {kind} {text}, expected []: the "
            "entries belong to the parent. Empty every log in the child "
            "(os.register_at_fork(after_in_child=...))"
        )
    for i, (kind, text, _) in enumerate(report["after"]):
        assert text == repr([f"child {i}"]) and kind == "list", (
            f"in the forked child, after add('child {i}'), log {i}'s entries() returned "
            f"{kind} {text}"
        )


@FORKLOG("even if another thread held it when the parent forked", deadline=30)
@pytest.mark.parametrize("entries", [("parent",), ()], ids=["a log with entries", "an empty log"])
def test_a_lock_held_when_the_parent_forks_is_free_in_the_child(student, entries):
    """a lock that another thread of the parent held at the fork is not held in the child"""
    log = _new_log(student, *entries)
    lock = _lock_of(log)
    for _ in range(3):
        held, forked, times = threading.Event(), threading.Event(), {}

        def hold(held, forked, times):
            with lock:
                held.set()
                forked.wait(HOLDER_PATIENCE)
                times["released"] = time.monotonic()

        holder = threading.Thread(
            target=hold, args=(held, forked, times), daemon=True, name="lock-holder"
        )
        holder.start()
        assert held.wait(5.0), "the test's thread could not take log.lock"

        def job():
            taken = log.lock.acquire(timeout=2.0)
            if taken:
                log.lock.release()
            log.add("child")
            return {"taken": taken, "entries": _described(log.entries())}

        began = time.monotonic()
        try:
            report = _fork_and_report(job, deadline=CHILD_DEADLINE + HOLDER_PATIENCE)
        finally:
            forked.set()
            holder.join(5.0)
        if times.get("released", began) >= began:
            break  # the lock was held when the fork began: the case this test is about
    else:
        pytest.fail("the test never managed to fork while log.lock was held", pytrace=False)
    assert report["taken"], (
        f"in the forked child, the lock of {'an empty log' if not entries else 'a log'} was "
        "still held (by a thread that does not exist in the child): give every log that "
        "exists at the fork a new lock in the child, an empty one too"
    )
    kind, text, _ = report["entries"]
    assert text == repr(["child"]) and kind == "list", (
        f"in the forked child, after add('child'), entries() returned {kind} {text}"
    )


@FORKLOG("The parent's logs keep their entries and their lock", deadline=30)
def test_the_parent_keeps_its_logs_and_their_locks(student):
    """after os.fork() and a fork-method Process, the parent's logs have their entries and lock"""
    logs = [_new_log(student, "p0", 0), _new_log(student, "p1")]
    locks = [_lock_of(log) for log in logs]
    _fork_and_report(lambda: _add_in_child(logs))
    if "fork" in mp.get_all_start_methods():
        child = mp.get_context("fork").Process(target=_add_in_child, args=(logs,))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            child.start()
        child.join(CHILD_DEADLINE)
        if child.is_alive():
            child.kill()
            child.join(2.0)
    for i, (log, lock, expected) in enumerate(zip(logs, locks, (["p0", 0], ["p1"]), strict=True)):
        got = log.entries()
        assert same(got, expected), (
            f"after a fork, the parent's log {i} holds {safe_repr(got)}, expected {expected!r}: "
            "reset the logs only in the child (after_in_child), never in the parent"
        )
        assert log.lock is lock, (
            "after a fork, the parent's log has a different lock: replace locks only in the child"
        )
        assert lock.acquire(timeout=1.0), "after a fork, the parent's log.lock is held"
        lock.release()


def _add_in_child(logs):
    for log in logs:
        log.add("from the child")


@FORKLOG("In a child process made by `os.fork()`", deadline=20)
def test_the_fork_start_method_gets_empty_logs_too(student):
    """a Process of the fork start method sees every log empty, with a free lock"""
    if "fork" not in mp.get_all_start_methods():
        pytest.skip("the fork start method is not available on this platform")
    logs = [_new_log(student, "x"), _new_log(student, "y", "z")]
    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_report_entries, args=(logs, sender))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    sender.close()
    try:
        report = receiver.recv() if receiver.poll(CHILD_DEADLINE) else None
    except EOFError:
        report = None
    finally:
        receiver.close()
        child.join(2.0)
        if child.is_alive():
            child.kill()
            child.join(2.0)
    assert report is not None, (
        f"the fork-method child did not report within {CHILD_DEADLINE} s (exit code "
        f"{child.exitcode}): was a log's lock held, or did entries() raise?"
    )
    for i, (kind, text, empty) in enumerate(report):
        assert empty, (
            f"in a Process of the fork start method, log {i}'s entries() returned {kind} {text}, "
            "expected []"
        )


def _report_entries(logs, sender):
    report = []
    for log in logs:
        if not log.lock.acquire(timeout=2.0):
            return  # no report: the parent says so
        log.lock.release()
        report.append(_described(log.entries()))
    sender.send(report)


@FORKLOG("once for the module", deadline=15)
def test_the_fork_hook_is_registered_once_not_per_log(student):
    """making logs registers no new fork hook: a hook registered per log is never removed"""
    module = _module_of(student)
    real = os.register_at_fork
    calls = []

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    names = [n for n, v in vars(module).items() if v is real] if module is not None else []
    student.ForkSafeLog()  # a hook registered lazily, by the first log, is fine
    os.register_at_fork = counting
    try:
        for name in names:
            setattr(module, name, counting)
        for _ in range(10):
            student.ForkSafeLog()
    finally:
        os.register_at_fork = real
        for name in names:
            setattr(module, name, real)
    assert not calls, (
        f"making 10 logs called os.register_at_fork {len(calls)} times: register one hook for "
        "the module, when it is imported, that resets every log"
    )


@FORKLOG("Use `os.register_at_fork`", deadline=15)
def test_the_module_registers_a_fork_hook(student):
    """the module registers a hook with os.register_at_fork (when imported, or for its first log)"""
    module = _module_of(student)
    path = getattr(module, "__file__", None)
    if type(path) is not str or not os.path.isfile(path):
        pytest.fail(
            "ForkSafeLog must be defined in the module my_forklog.py (the %%writefile cell)",
            pytrace=False,
        )
    # A fresh copy of the module runs, with os.register_at_fork counting its calls
    # and registering nothing (a hook can never be removed).
    real, calls = os.register_at_fork, []
    copy = types.ModuleType(f"{module.__name__}_copy")
    copy.__file__ = path
    os.register_at_fork = lambda *args, **kwargs: calls.append(kwargs)
    try:
        exec(compile(Path(path).read_text(), path, "exec"), vars(copy))  # noqa: S102
        log = copy.ForkSafeLog()
        log.add("entry")
        log.entries()
    except Exception as exc:  # noqa: BLE001 - reported to the student
        pytest.fail(f"running a fresh copy of your module raised {safe_repr(exc)}", pytrace=False)
    finally:
        os.register_at_fork = real
    assert calls, (
        "importing your module and using a log never called os.register_at_fork: reset the "
        "logs in a fork hook, os.register_at_fork(after_in_child=...), registered once for "
        "the module. A check of os.getpid() in the log's methods is not what the contract asks"
    )


@FORKLOG("Don't keep logs alive", deadline=20)
def test_a_log_nobody_refers_to_is_garbage_collected(student):
    """a log nobody refers to is garbage-collected, and a fork after that still works"""
    log = _new_log(student, "gone")
    ref = weakref.ref(log)
    del log
    gc.collect()
    assert ref() is None, (
        "a log that nothing else refers to stayed alive: the fork hook (or a list of logs) "
        "keeps it. Keep the logs in a weakref.WeakSet"
    )
    kept = _new_log(student, "kept")
    report = _fork_and_report(lambda: _described(kept.entries()))
    assert report[2], f"after a log was collected, a forked child's log held {report[1]}"
