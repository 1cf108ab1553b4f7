"""The systematic explorer (autograder.explore): what it finds, what it proves, what it
leaves to the forced schedules, and that a failing schedule replays the same every time."""

import collections
import itertools
import math
import queue
import threading
import time

import pytest

from autograder.explore import Explorer, falling_back


def _explore_counter(cls, bound=2, **options):
    explorer = Explorer(bound=bound, **options)

    def setup():
        counter = cls()
        explorer.control(counter, watch=["value"])
        return counter

    def check(counter):
        return None if counter.value == 2 else f"value {counter.value}"

    bump = lambda counter: counter.increment()  # noqa: E731
    return explorer.explore(setup, [bump, bump], check, ["inc-0", "inc-1"])


class Racy:
    def __init__(self):
        self.value = 0

    def increment(self):
        self.value += 1


class WritesAfterRelease:
    def __init__(self):
        self.lock = threading.Lock()
        self.value = 0

    def increment(self):
        with self.lock:
            current = self.value
        self.value = current + 1


class WithLock:
    def __init__(self):
        self.lock = threading.Lock()
        self.value = 0

    def increment(self):
        with self.lock:
            self.value += 1


class WithRLock(WithLock):
    def __init__(self):
        self.lock = threading.RLock()
        self.value = 0

    def increment(self):
        with self.lock, self.lock:  # re-entered
            self.value += 1


class WithSemaphore(WithLock):
    def __init__(self):
        self.lock = threading.Semaphore(1)
        self.value = 0


class TryLockBackoff(WithLock):
    def increment(self):
        while not self.lock.acquire(blocking=False):
            time.sleep(0.001)
        try:
            self.value += 1
        finally:
            self.lock.release()


class LockOnTheClass:
    lock = threading.Lock()

    def __init__(self):
        self.value = 0

    def increment(self):
        with self.lock:
            self.value += 1


@pytest.mark.parametrize("cls", [Racy, WritesAfterRelease])
def test_a_lost_update_is_found_explained_and_replayed(cls):
    result = _explore_counter(cls)
    assert result.failed and result.failure == "value 1"
    assert result.replayed == 3
    steps = [line for line in result.report.splitlines() if line.strip()[:1].isdigit()]
    assert 4 <= len(steps) <= 12
    assert any("reads value -> 0" in s and "'inc-0'" in s for s in steps)
    assert any("reads value -> 0" in s and "'inc-1'" in s for s in steps)
    assert sum("writes value <- 1" in s for s in steps) == 2
    # The student's own line is named.
    assert "in increment()" in result.report
    # Found with the fewest preemptions: one switch is enough.
    assert result.bound == 1
    # The same exploration, again: the same schedule and the same report.
    again = _explore_counter(cls)
    assert (again.schedule, again.report) == (result.schedule, result.report)


class BusyOwnWorkThenRacy:
    """Each thread does private work first (its own lock, its own attribute, a sleep),
    then a racy increment of the shared value: only the increment is the story."""

    def __init__(self):
        self.value = 0
        self.mine = {"inc-0": 0, "inc-1": 0}
        self.own_lock = {"inc-0": threading.Lock(), "inc-1": threading.Lock()}

    def increment(self):
        me = threading.current_thread().name
        for _ in range(4):
            with self.own_lock[me]:
                self.mine[me] += 1
        time.sleep(0.001)
        self.value += 1


def _explore_private_then_racy():
    explorer = Explorer(bound=2)

    def setup():
        counter = BusyOwnWorkThenRacy()
        explorer.control(counter, watch=["value"], label="counter")
        # The private locks are controlled too, so each of their steps is a step.
        for name, lock in list(counter.own_lock.items()):
            holder = type("Holder", (), {})()
            holder.lock = lock
            explorer.control(holder)
            counter.own_lock[name] = holder.lock
        return counter

    def check(counter):
        return None if counter.value == 2 else f"value {counter.value}"

    def named(k):
        def work(counter):
            threading.current_thread().name = f"inc-{k}"
            counter.increment()

        return work

    return explorer.explore(setup, [named(0), named(1)], check, ["inc-0", "inc-1"])


def test_a_report_keeps_only_the_steps_on_what_the_threads_share():
    """Steps on an object one thread alone touches (its own lock) and sleeps are left
    out of the report; the reads and writes of the shared value stay, numbered as in
    the run, and the header says how many steps the run had."""
    result = _explore_private_then_racy()
    assert result.failed and result.failure == "value 1", result.report
    lines = result.report.splitlines()
    steps = [line for line in lines if line.strip()[:1].isdigit()]
    assert steps and all("counter.value" in s for s in steps), result.report
    assert sum("reads counter.value -> 0" in s for s in steps) == 2
    assert sum("writes counter.value <- 1" in s for s in steps) == 2
    numbers = [int(s.split(".")[0]) for s in steps]
    assert numbers == sorted(numbers) and numbers[-1] > len(steps)  # steps were left out
    assert f"{len(steps)} steps on what the threads share (of " in lines[0]
    assert result.replayed == 3
    again = _explore_private_then_racy()
    assert again.report == result.report


@pytest.mark.parametrize("cls", [WithLock, WithRLock, WithSemaphore, TryLockBackoff])
def test_correct_counters_hold_in_every_interleaving(cls):
    result = _explore_counter(cls)
    assert not result.failed and not result.inconclusive, result.summary()
    assert result.complete and result.explored > 1
    assert f"tried all {result.explored} interleavings" in result.summary()


def test_time_sleep_is_put_back():
    before = time.sleep
    _explore_counter(TryLockBackoff)
    assert time.sleep is before


def test_what_it_cannot_control_is_inconclusive_not_a_verdict():
    began = time.monotonic()
    result = _explore_counter(LockOnTheClass)
    assert result.inconclusive and not result.failed
    assert "does not control" in result.inconclusive
    assert time.monotonic() - began < 5
    # A forced schedule that then fails says which was used.
    with pytest.raises(AssertionError, match="inconclusive.*forced schedule"):
        with falling_back(result):
            raise AssertionError("lost an update")


@pytest.mark.parametrize("k", [1, 2, 3])
def test_every_interleaving_is_tried_once(k):
    """Two threads of k steps each have C(2k, k) interleavings; unbounded, each is run once."""
    explorer = Explorer(bound=2 * k)
    seen = collections.Counter()

    class Shared:
        def __init__(self):
            self.a = self.b = 0
            self.order = []

    def setup():
        shared = Shared()
        explorer.control(shared, watch=["a", "b"])
        return shared

    def worker(name):
        def run(shared):
            for i in range(k):
                setattr(shared, name, i)  # a point, then the write
                shared.order.append(name)

        return run

    def check(shared):
        seen[tuple(shared.order)] += 1

    result = explorer.explore(setup, [worker("a"), worker("b")], check)
    assert result.complete
    assert result.explored == len(seen) == math.comb(2 * k, k)
    assert set(seen) == {p for p in itertools.product("ab", repeat=2 * k) if p.count("a") == k}
    # Iterative bounding re-runs an interleaving once for each bound from its own up.
    assert sum(seen.values()) == result.runs
    assert max(seen.values()) <= 2 * k + 1


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.Lock()


def _explore_transfers(transfer):
    explorer = Explorer(bound=2)

    def setup():
        accounts = [Account(100), Account(100)]
        for label, acct in zip("AB", accounts, strict=True):
            explorer.control(acct, watch=["balance"])
            acct.lock.name = f"lock {label}"
        return accounts

    def check(accounts):
        balances = [a.balance for a in accounts]
        return None if balances == [110, 90] else f"balances {balances}"

    return explorer.explore(
        setup,
        [lambda a: transfer(a[0], a[1], 10), lambda a: transfer(a[1], a[0], 20)],
        check,
        ["a-to-b", "b-to-a"],
    )


def _in_argument_order(src, dst, amount):
    with src.lock, dst.lock:
        src.balance -= amount
        dst.balance += amount


def _in_a_global_order(src, dst, amount):
    first, second = sorted((src, dst), key=id)
    with first.lock, second.lock:
        src.balance -= amount
        dst.balance += amount


def test_a_lock_order_deadlock_is_found_with_its_cycle():
    result = _explore_transfers(_in_argument_order)
    assert result.failed and result.replayed == 3
    assert result.failure.startswith("Deadlock: ")
    assert "'a-to-b' holds lock A and waits for lock B (held by 'b-to-a')" in result.failure
    assert "'b-to-a' holds lock B and waits for lock A (held by 'a-to-b')" in result.failure


def test_locks_in_one_global_order_never_deadlock():
    result = _explore_transfers(_in_a_global_order)
    assert result.complete and not result.failed, result.summary()


class TwoConditions:
    """A correct bounded buffer; `loop` and `notify` switch in the classic bugs."""

    loop = True
    one_condition = False

    def __init__(self, capacity):
        self.capacity = capacity
        self.items = collections.deque()
        self.lock = threading.Lock()
        self.not_full = threading.Condition(self.lock)
        self.not_empty = self.not_full if self.one_condition else threading.Condition(self.lock)

    def put(self, item):
        with self.lock:
            while len(self.items) >= self.capacity:
                self.not_full.wait()
                if not self.loop:
                    break
            self.items.append(item)
            self.not_empty.notify()

    def get(self):
        with self.lock:
            while not self.items:
                self.not_empty.wait()
                if not self.loop:
                    break
            item = self.items.popleft()
            self.not_full.notify()
            return item


class IfNotWhile(TwoConditions):
    loop = False


class OneCondition(TwoConditions):
    one_condition = True


class OnAQueue:
    def __init__(self, capacity):
        self.q = queue.Queue(capacity)

    def put(self, item):
        self.q.put(item)

    def get(self):
        return self.q.get()


def _explore_buffer(cls):
    explorer = Explorer(bound=1)
    got = []

    def setup():
        got.clear()
        buf = cls(1)
        explorer.control(buf)
        return buf

    def producer(buf):
        buf.put(1)
        buf.put(2)

    def consumer(buf):
        got.append(buf.get())

    def check(buf):
        return None if sorted(got) == [1, 2] else f"got {got}"

    return explorer.explore(setup, [consumer, consumer, producer], check, ["c1", "c2", "p"])


@pytest.mark.parametrize("cls", [TwoConditions, OnAQueue])
def test_buffers_with_several_waiters_hold(cls):
    result = _explore_buffer(cls)
    assert result.complete and not result.failed and not result.inconclusive, result.summary()


def test_if_instead_of_while_is_found():
    result = _explore_buffer(IfNotWhile)
    assert result.failed and "IndexError" in result.failure and result.replayed == 3


def test_a_notify_to_the_wrong_side_is_a_reported_lost_wakeup():
    result = _explore_buffer(OneCondition)
    assert result.failed and result.replayed == 3
    assert "no thread is left to notify it" in result.failure
    assert "calls notify() on not_full" in result.report


def test_a_timed_wait_times_out_only_when_nothing_else_can_run():
    explorer = Explorer(bound=2)

    class Waiter:
        def __init__(self):
            self.cond = threading.Condition()
            self.flag = False
            self.outcome = None

    def setup():
        w = Waiter()
        explorer.control(w, watch=["flag"])
        return w

    def waiter(w):
        with w.cond:
            w.outcome = w.cond.wait_for(lambda: w.flag, timeout=5)

    def setter(w):
        with w.cond:
            w.flag = True
            w.cond.notify_all()

    outcomes = set()

    def check(w):
        outcomes.add(w.outcome)

    result = explorer.explore(setup, [waiter, setter], check)
    assert result.complete and not result.failed
    # The waiter never gives up while the setter could still run.
    assert outcomes == {True}


class InAHelperThread(WithLock):
    """Correct, but increments in a thread of its own making."""

    def increment(self):
        t = threading.Thread(target=super().increment)
        t.start()
        t.join()


# The helper thread dies of the harness's Abandoned, which the grading kernel never reports.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_thread_the_explorer_did_not_start_makes_it_inconclusive():
    result = _explore_counter(InAHelperThread)
    assert not result.failed
    assert "did not start" in result.inconclusive or "does not control" in result.inconclusive


def test_other_threads_sleep_for_real_during_an_exploration():
    slept = []

    def sleeper():
        began = time.monotonic()
        time.sleep(0.3)
        slept.append(time.monotonic() - began)

    t = threading.Thread(target=sleeper)
    t.start()
    _explore_counter(TryLockBackoff)
    t.join()
    assert slept and slept[0] >= 0.29


def test_the_mutants_figure_counts_explored_reports():
    from autograder._mutants import EXPLORED_MARK, SCHEDULE_MARK
    from autograder.explore import EXPLORED_HEAD

    assert EXPLORED_HEAD.startswith(EXPLORED_MARK) and EXPLORED_MARK.startswith(SCHEDULE_MARK)


def test_explain_finds_a_lost_wakeup_and_takes_dict_state(capsys):
    from coursekit.interleavings import explain

    class Latch:
        def __init__(self, notify_all):
            self.count, self.all = 1, notify_all
            self.zero = threading.Condition()

        def count_down(self):
            with self.zero:
                self.count -= 1
                (self.zero.notify_all if self.all else self.zero.notify)()

        def wait(self):
            with self.zero:
                while self.count:
                    self.zero.wait()

    workers = [Latch.wait, Latch.wait, Latch.count_down]
    lost = explain(lambda: Latch(False), workers, invariant=lambda latch: True)
    assert lost.failed and "no thread is left to notify it" in lost.failure
    assert "calls notify() on zero (2 waiting)" in capsys.readouterr().out
    assert explain(lambda: Latch(True), workers, lambda latch: True, quiet=True).complete

    def consume(state):
        with state["cv"]:
            while not state["items"]:
                state["cv"].wait()
            state["items"].pop()

    def produce(state):
        with state["cv"]:
            state["items"].append("x")
            state["cv"].notify()

    result = explain(
        lambda: {"cv": threading.Condition(), "items": []},
        [consume, produce],
        invariant=lambda state: not state["items"],
        quiet=True,
    )
    assert result.complete and not result.failed
