"""The instrumented primitives make schedules happen on purpose, the same way every run."""

from __future__ import annotations

import threading

import pytest

from autograder.instruments import Aborted, Registry, TrackedLock, TrackedSemaphore, Worker


def _queue_up(registry: Registry, lock: TrackedLock, n: int, order: list[str]) -> list[Worker]:
    """Start n threads that each wait for `lock` (held by the caller), one after another."""

    def take(name):
        with lock:
            order.append(name)

    workers = []
    for i in range(n):
        workers.append(Worker(take, f"t{i}", name=f"t{i}"))
        assert registry.wait_blocked(workers[-1], timeout=5.0), f"t{i} did not block"
    return workers


@pytest.mark.parametrize("inner", [threading.Lock, threading.RLock])
def test_a_released_lock_goes_to_the_waiters_in_the_order_they_came(inner):
    for _ in range(10):
        with Registry() as registry:
            lock = TrackedLock(registry, "lock", inner())
            order: list[str] = []
            lock.acquire()
            workers = _queue_up(registry, lock, 4, order)
            lock.release()
            assert all(w.wait(5.0) for w in workers)
        assert order == ["t0", "t1", "t2", "t3"]


def test_a_newcomer_does_not_jump_the_queue():
    with Registry() as registry:
        lock = TrackedLock(registry, "lock")
        order: list[str] = []
        lock.acquire()
        workers = _queue_up(registry, lock, 1, order)
        # The lock is held and t0 waits: a non-blocking try fails ...
        assert lock.acquire(False) is False
        lock.release()
        assert workers[0].wait(5.0)
        # ... and once t0 is done, the lock is free for anyone.
        assert lock.acquire(False) is True
        lock.release()
    assert order == ["t0"]


def _take_once(lock, order: list[str], name: str) -> None:
    with lock:
        order.append(name)


@pytest.mark.parametrize("kind", ["lock", "semaphore"])
def test_newcomers_first_lets_a_newcomer_take_what_a_waiter_waited_for(kind):
    for _ in range(10):
        with Registry() as registry:
            if kind == "lock":
                lock = TrackedLock(registry, "lock")
            else:
                lock = TrackedSemaphore(registry, "sem", threading.Semaphore(1))
            order: list[str] = []
            lock.acquire()
            workers = _queue_up(registry, lock, 1, order)
            with registry.newcomers_first():
                lock.release()
                newcomer = Worker(_take_once, lock, order, "new", name="newcomer")
                assert newcomer.wait(5.0), "the newcomer did not get the free lock"
                # The waiter is still held back, although the lock is free.
                assert registry.wait_blocked(workers[0], timeout=0.2)
                assert order == ["new"]
            assert workers[0].wait(5.0), "the waiter never got the lock after the block"
        assert order == ["new", "t0"]


def test_an_rlock_holder_re_enters_while_others_wait():
    with Registry() as registry:
        lock = TrackedLock(registry, "rlock", threading.RLock())
        order: list[str] = []
        lock.acquire()
        workers = _queue_up(registry, lock, 1, order)
        assert lock.acquire(timeout=1.0) is True, "the holder of an RLock must re-enter it"
        lock.release()
        lock.release()
        assert workers[0].wait(5.0)
    assert order == ["t0"]


def test_a_waiter_gives_up_at_its_timeout_and_leaves_the_queue():
    with Registry() as registry:
        lock = TrackedLock(registry, "lock")
        lock.acquire()
        late = Worker(lock.acquire, True, 0.2, name="late")
        assert late.wait(5.0) and late.result is False
        assert not lock._queue
        lock.release()
        assert lock.acquire(False) is True


def test_abort_frees_every_queued_waiter():
    registry = Registry()
    lock = TrackedLock(registry, "lock")
    lock.acquire()
    order: list[str] = []
    workers = _queue_up(registry, lock, 3, order)
    registry.abort()
    assert all(w.wait(5.0) for w in workers)
    assert all(isinstance(w.error, Aborted) for w in workers)
    assert order == [] and not lock._queue


class _SplitGet:
    """Checks for an item in one critical section and pops it in another."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.items = ["x"]

    def get(self):
        with self.cond:
            while not self.items:
                self.cond.wait()
        with self.cond:
            return self.items.pop()


def test_switch_on_release_lets_another_thread_in_between_two_critical_sections():
    from autograder.instruments import instrument_primitives

    for _ in range(5):
        box = _SplitGet()
        registry = Registry(switch_on_release=0.5)
        instrument_primitives(box, registry)
        assert box.cond._lock is box.lock, "the condition and the attribute share one TrackedLock"
        with registry:
            first = Worker(box.get, name="first")
            assert registry.wait_paused_at_release(first, 5.0)
            second = Worker(box.get, name="second")
            assert first.wait(5.0) and second.wait(5.0)
        # The forced switch: both saw the item, so one of them popped an empty list.
        errors = [w.error for w in (first, second) if w.error is not None]
        assert len(errors) == 1 and isinstance(errors[0], IndexError)


def test_switch_on_release_neither_pauses_inside_wait_nor_without_the_option():
    from autograder.instruments import instrument_primitives

    box = _SplitGet()
    box.items.clear()
    registry = Registry(switch_on_release=0.5)
    instrument_primitives(box, registry)
    with registry:
        getter = Worker(box.get, name="getter")
        assert registry.wait_blocked(getter, 5.0)  # wait() released the lock without pausing
        assert not registry.paused_at_release
        with box.cond:
            box.items.append("y")
            box.cond.notify()
        assert getter.wait(5.0) and getter.result == "y"

    plain = _SplitGet()
    registry = Registry()
    instrument_primitives(plain, registry)
    with registry:
        worker = Worker(plain.get, name="alone")
        assert worker.wait(1.0) and worker.result == "x"
        assert not registry.paused_at_release


def test_a_failure_inside_a_registry_reports_the_schedule_on_the_code_s_lines():
    from autograder.instruments import instrument_primitives

    box = _SplitGet()
    registry = Registry(switch_on_release=0.5)
    instrument_primitives(box, registry)

    def run_and_fail():
        with registry:
            first = Worker(box.get, name="first")
            assert registry.wait_paused_at_release(first, 5.0)
            second = Worker(box.get, name="second")
            assert first.wait(5.0) and second.wait(5.0)
            pytest.fail("one get() found nothing", pytrace=False)

    with pytest.raises(pytest.fail.Exception) as failed:
        run_and_fail()
    message = failed.value.msg
    assert message.startswith("one get() found nothing\nThe schedule that failed")
    steps = message.splitlines()[2:]
    assert 4 <= len(steps) <= 12, steps
    # Numbered, naming the thread, the operation and the line of _SplitGet.get it ran.
    get_lines = range(
        _SplitGet.get.__code__.co_firstlineno, _SplitGet.get.__code__.co_firstlineno + 7
    )
    for k, step in enumerate(steps, 1):
        number, _, rest = step.strip().partition(". ")
        assert int(number) == k and ("'first'" in rest or "'second'" in rest), step
        line = int(rest.rsplit("(line ", 1)[1].split()[0])
        assert line in get_lines and "in get()" in rest, step
    assert any("takes lock" in s for s in steps) and any("releases lock" in s for s in steps)


def _logged(steps):
    """An AccessLog holding `steps` (thread, kind, attribute, value), as if recorded."""
    from autograder.instruments import AccessLog

    log = AccessLog()
    log.steps = [(repr(who), kind, name, value, "") for who, kind, name, value in steps]
    return log


def test_the_access_log_explains_a_lost_update_with_its_four_steps():
    log = _logged(
        [
            ("a", "read", "value", 0),
            ("a", "write", "value", 1),  # a alone: fine
            ("a", "read", "value", 1),
            ("b", "read", "value", 1),
            ("b", "read", "other", 7),
            ("b", "write", "value", 2),
            ("a", "write", "value", 2),  # a overwrites b's write
        ]
    )
    text = log.lost_update()
    assert text.startswith("The schedule that failed"), text
    numbered = [line.split(".")[0].strip() for line in text.splitlines()[1:-1]]
    assert numbered == ["3", "4", "6", "7"], text
    assert "'a' read value (step 3) before 'b' wrote it (step 6)" in text, text


def test_the_access_log_finds_no_lost_update_in_serial_or_disjoint_updates():
    serial = _logged(
        [
            ("a", "read", "value", 0),
            ("a", "write", "value", 1),
            ("b", "read", "value", 1),
            ("b", "write", "value", 2),
            ("a", "read", "value", 2),
            ("a", "write", "value", 3),
        ]
    )
    assert serial.lost_update() == ""
    disjoint = _logged(
        [
            ("a", "read", "x", 0),
            ("b", "read", "y", 0),
            ("b", "write", "y", 1),
            ("a", "write", "x", 1),
        ]
    )
    assert disjoint.lost_update() == ""


def test_the_access_log_records_the_forced_interleaving_of_a_racy_counter():
    """Chained with a rendezvous, the log shows the race the rendezvous forced, every run."""
    from autograder.instruments import AccessLog, ReadRendezvous, hook_attributes

    class Counter:
        def __init__(self):
            self.value = 0

        def increment(self):
            self.value = self.value + 1

    for _ in range(3):
        counter = Counter()
        rendezvous = ReadRendezvous(timeout=1.0)
        log = AccessLog(then=rendezvous)
        hook_attributes(counter, ["value"], log)
        workers = [Worker(counter.increment, name=f"w{i}") for i in range(2)]
        for w in workers:
            assert w.wait(5)
        assert counter.value == 1
        assert "Lost update" in log.lost_update(), log.steps


def test_a_spinning_thread_s_schedule_is_folded_and_keeps_its_first_steps():
    with Registry() as registry:
        setup, lock = (
            TrackedLock(registry, "setup", threading.Lock()),
            TrackedLock(registry, "lock", threading.Lock()),
        )
        with setup:
            pass
        for _ in range(1000):  # a poller: far more steps than a registry keeps
            with lock:
                pass
    text = registry.schedule()
    lines = text.splitlines()
    assert registry.step_count == 2002
    assert len(lines) <= 1 + 12, text
    # The first steps are kept, the dropped middle is said to be dropped, and the spin is
    # one block of two steps with its count.
    assert "    1. 'MainThread': takes setup" in lines[1], text
    assert "(not kept: a long run of steps)" in text, text
    assert "these 2 step(s), 250 times over:" in text, text
    assert "with repeats folded; a long run in the middle was not kept" in lines[0], text


def test_a_short_schedule_is_shown_whole_and_unfolded():
    with Registry() as registry:
        a, b = (
            TrackedLock(registry, "a", threading.Lock()),
            TrackedLock(registry, "b", threading.Lock()),
        )
        for lock in (a, b, a):
            with lock:
                pass
    lines = registry.schedule().splitlines()
    assert lines[0].endswith(", 6 steps (of 6):"), lines[0]
    assert [line.split(": ", 1)[1].split("  (")[0] for line in lines[1:]] == [
        "takes a",
        "releases a",
        "takes b",
        "releases b",
        "takes a",
        "releases a",
    ]


def _wait_once(cond, order: list[str]) -> None:
    with cond:
        cond.wait()
        order.append("woken")


def test_newcomers_first_keeps_a_woken_condition_waiter_back_until_the_end():
    from autograder.instruments import InstrumentedCondition

    for _ in range(5):
        with Registry() as registry:
            cond = InstrumentedCondition(registry, "cond", TrackedLock(registry, "lock"))
            order: list[str] = []
            worker = Worker(_wait_once, cond, order, name="waiter")
            assert registry.wait_blocked(worker, timeout=5.0)
            with registry.newcomers_first():
                with cond:
                    cond.notify()
                newcomer = Worker(_take_once, cond, order, "new", name="newcomer")
                assert newcomer.wait(5.0), "the newcomer did not get the lock"
                assert not worker.wait(0.2), "the woken waiter went on before the newcomer"
            assert worker.wait(5.0)
        assert order == ["new", "woken"]


def test_fast_waits_cut_time_limits_only_in_the_chosen_threads_and_only_while_active():
    import queue
    import time

    from autograder.instruments import FastWaits

    original_get, original_wait = queue.Queue.get, threading.Condition.wait
    chosen, results = set(), {}
    clock = time.monotonic  # the real clock: FastWaits speeds up time.monotonic in `chosen`

    def idle_worker(key):
        chosen.add(threading.get_ident())
        start = clock()
        try:
            queue.Queue().get(timeout=5.0)
        except queue.Empty:
            pass
        results[key, "get"] = clock() - start
        start = clock()
        results[key, "event"] = threading.Event().wait(5.0)
        results[key, "event took"] = clock() - start

    with FastWaits(chosen) as waits:
        worker = threading.Thread(target=idle_worker, args=("chosen",))
        worker.start()
        worker.join(4.0)
        assert not worker.is_alive(), "a chosen thread's waits with a limit were not cut"
        # Another thread's wait keeps its limit. (A new thread may get the ended one's
        # ident, so the chosen set is emptied first.)
        chosen.clear()
        q = queue.Queue()
        got = []
        other = threading.Thread(target=lambda: got.append(q.get(timeout=0.5)))
        other.start()
        time.sleep(0.2)
        q.put("late")
        other.join(2.0)
        assert got == ["late"], "a thread that was not chosen had its wait cut"
    assert results["chosen", "get"] < 1.0 and results["chosen", "event took"] < 1.0
    assert results["chosen", "event"] is False
    assert waits.cut == 2 and "2 waits" in waits.says()
    assert queue.Queue.get is original_get and threading.Condition.wait is original_wait


def test_fast_waits_cut_a_simple_queue_and_run_the_clock_and_sleep_fast_in_the_chosen_threads():
    import queue
    import time

    from autograder.instruments import FastWaits
    from autograder.instruments.timeouts import CLOCKS, SPEEDUP

    originals = {name: getattr(time, name) for name in (*CLOCKS, "sleep")}
    simple, real, real_sleep = queue.SimpleQueue, time.monotonic, time.sleep
    # A student's `from time import monotonic, sleep` and `from queue import SimpleQueue`.
    space = {
        "monotonic": time.monotonic,
        "sleep": time.sleep,
        "SimpleQueue": queue.SimpleQueue,
        "other": 1,
    }
    chosen, seen = set(), {}

    def poller(key):
        chosen.add(threading.get_ident())
        start, began = space["monotonic"](), real()
        try:
            space["SimpleQueue"]().get(timeout=5.0)
        except queue.Empty:
            seen[key, "get took"] = real() - began
        # Two sleeps of 5 s (module and namespace) take a thousandth of that.
        before = real()
        time.sleep(5.0)
        space["sleep"](5.0)
        seen[key, "slept"] = real() - before
        while real() - before < 0.05:  # 0.05 s of real time, without sleeping
            pass
        seen[key, "clock"] = space["monotonic"]() - start
        seen[key, "module clock"] = time.monotonic() - start
        seen[key, "ns"] = time.monotonic_ns()

    with FastWaits(chosen, spaces=[space]) as waits:
        assert space["SimpleQueue"] is queue.SimpleQueue is not simple
        assert issubclass(queue.SimpleQueue, simple)
        worker = threading.Thread(target=poller, args=("chosen",))
        worker.start()
        worker.join(4.0)
        assert not worker.is_alive(), "a chosen thread's SimpleQueue.get was not cut"
        chosen.clear()
        start = time.monotonic()
        time.sleep(0.05)
        other = time.monotonic() - start
        q = queue.SimpleQueue()
        q.put("x")
        assert q.get(timeout=1.0) == "x"
    assert seen["chosen", "get took"] < 1.0
    assert seen["chosen", "slept"] < 1.0
    # 0.05 s of real time, and more, reads as 50 s or more on the fast clock; not elsewhere.
    assert seen["chosen", "clock"] >= 0.05 * SPEEDUP * 0.9
    assert seen["chosen", "module clock"] >= 0.05 * SPEEDUP * 0.9
    assert type(seen["chosen", "ns"]) is int
    assert 0.04 <= other < 1.0
    assert waits.cut == 1 and waits.fast_reads >= 3 and waits.fast_sleeps == 2
    assert "1000 times faster in the workers' threads" in waits.says()
    assert "1 wait with a limit ran out" in waits.says()
    # Everything is put back, in the module and in the student's namespace.
    assert {name: getattr(time, name) for name in (*CLOCKS, "sleep")} == originals
    assert queue.SimpleQueue is simple
    assert space == {"monotonic": real, "sleep": real_sleep, "SimpleQueue": simple, "other": 1}


def test_fast_joins_cut_a_join_begun_before_the_thread_ran_a_line():
    import time

    from autograder.instruments import FastJoins

    original = threading.Thread.join
    go, ours = threading.Event(), threading.Event()
    joins = FastJoins()
    spared = threading.Thread(target=lambda: time.sleep(0.3))
    with joins.every_new_thread(spare=(spared,)):
        held = threading.Thread(target=lambda: go.wait(5.0))
        held.start()
        start = time.monotonic()
        held.join(3.0)  # begun at once: no line of the thread has to run first
        assert time.monotonic() - start < 1.0 and held.is_alive()
        spared.start()
        start = time.monotonic()
        spared.join(2.0)  # the test's own thread keeps its limit
        assert time.monotonic() - start >= 0.25 and not spared.is_alive()
        go.set()
        held.join()  # no limit: still waits
        assert not held.is_alive()
        ours.set()
    assert joins.cut == 1 and "1 join with a limit" in joins.says()
    assert threading.Thread.join is original


@pytest.mark.parametrize("n", [2, 5, 9])
def test_a_deadlock_names_its_whole_cycle_however_long(n):
    """Every link of a wait-for cycle is in the message, told from the same thread each
    time, and no line is long enough for the report to cut it ([...] after 300 chars)."""
    registry = Registry(pause_first_hold=0.3, party=n)
    forks = [TrackedLock(registry, f"fork {i}") for i in range(n)]

    def dine(i):
        with forks[i], forks[(i + 1) % n]:
            pass

    with registry:
        workers = [Worker(dine, i, name=f"philosopher-{i}") for i in range(n)]
        text = registry.wait_deadlock(workers, 5.0)
        registry.abort()
    assert text and text.startswith("deadlock: "), text
    for i in range(n):
        link = f"thread 'philosopher-{i}' holds fork {i} and waits for fork {(i + 1) % n}"
        assert link in text, text
    assert text.index("'philosopher-0'") < text.index("'philosopher-1'")
    assert all(len(line) <= 300 for line in text.splitlines()), text


def test_a_schedule_keeps_the_steps_on_what_the_threads_share():
    """Steps on a primitive one thread alone touched are left out of a forced schedule,
    except a wait with a time limit (the limit may be the story); the steps on a lock
    both threads took stay, numbered as in the run, and the head says so."""
    from autograder.instruments import InstrumentedCondition

    with Registry() as registry:
        shared = TrackedLock(registry, "shared", threading.Lock())
        mine = {n: TrackedLock(registry, f"own-{n}", threading.Lock()) for n in "ab"}
        private = InstrumentedCondition(registry, "private", threading.Lock())

        def work(n):
            for _ in range(3):
                with mine[n]:
                    pass
            if n == "a":
                with private:
                    private.wait(0.01)
            with shared:
                pass

        first = Worker(work, "a", name="a")
        assert first.wait(2.0)
        second = Worker(work, "b", name="b")
        assert second.wait(2.0)
    text = registry.schedule()
    lines = text.splitlines()
    body = [line.split(": ", 1)[1].split("  (")[0] for line in lines[1:]]
    assert "own-" not in text, text
    assert body.count("takes shared") == 2 and body.count("releases shared") == 2, text
    assert any(b.startswith("waits on private for at most 0.01 s") for b in body), text
    assert any(b.startswith("wakes on private with no notify") for b in body), text
    assert " steps on what the threads share (of " in lines[0], text
    numbers = [int(line.split(".")[0]) for line in lines[1:]]
    assert numbers == sorted(numbers) and numbers[-1] == registry.step_count, text
