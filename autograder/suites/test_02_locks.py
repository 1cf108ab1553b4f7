"""Hidden tests for 02_locks: SafeCounter, Account and transfer.

CPython 3.10+ never switches threads inside ``x += 1``, so a plain stress test
passes an unlocked counter. These tests make the race happen instead:

* every read of the counter's int attributes waits until another thread reads
  too (`ReadRendezvous`), so an unlocked read-modify-write loses an update every
  time, while a locked one only waits out a short timeout;
* each account's lock becomes a `TrackedLock` that makes a thread dawdle right
  after its first lock until the other transfers hold or wait for one, so two
  locks taken in argument order deadlock every time, and the cycle is named;
* every read and write of a balance checks that the transferring thread holds
  both accounts' locks.

Issue 12 added suite-local instruments (built on the objects the suite hands to
student code, since the shared `instruments` module is not ours to change):

* `AccessRendezvous` pairs reads *and* writes of any watched attribute, so a
  write after the lock is released, or a lock made lazily on first use, meets
  another thread in the window;
* a counter's thread is held inside its critical section for 2 s while
  another thread increments: the count must stay still meanwhile;
* `SwitchingLock` pauses a thread right after it releases an account's lock
  until another thread has acquired that lock, which forces a switch between two
  critical sections of one transfer;
* a transfer between two accounts is held inside its critical section while a
  transfer between two other accounts must finish.
"""

import random
import threading

import pytest

from autograder.explore import Explorer, fail_if_explored, falling_back
from autograder.instruments import (
    AccessLog,
    ReadRendezvous,
    Registry,
    TrackedLock,
    Worker,
    hook_attributes,
    instance_attributes,
    instrument_primitives,
)
from autograder.suites._trust import (
    fail_for,
    real_isinstance,
    require_type,
    safe_repr,
    same,
    type_name,
)
from autograder.testing import Exercise, call_student

#: The explorer (autograder.explore) turns time.sleep into a scheduling point while it runs.
LIBRARY_WRITES = ("time",)

COUNTER = Exercise("safe_counter")
TRANSFER = Exercise("transfer")

UNTESTED = {
    "transfer": {
        "You may assume `src is not dst`": "an assumption granted to the student: nothing to check",
    },
}


class AccessRendezvous:
    """A hook for `hook_attributes`: each read or write waits until another thread
    reads or writes a watched attribute too (or `timeout` passes).

    Under one lock held from the read to the write, no other thread can touch the
    attributes, so the waits just time out. A write made after the lock is
    released, or a lock made lazily by each of two first callers, lets the other
    thread read in the window, and an update is lost every time.
    """

    def __init__(self, timeout):
        self.timeout = timeout
        self.enabled = True
        self.accesses = 0
        self._cond = threading.Condition()

    def __call__(self, kind, obj, name, value):
        if not self.enabled:
            return
        with self._cond:
            self.accesses += 1
            mine = self.accesses
            self._cond.notify_all()
            self._cond.wait_for(lambda: self.accesses > mine, self.timeout)


# --------------------------------------------------------------------------
# safe_counter


def _slow_counter(student, timeout, every_attribute=False):
    """Build a SafeCounter whose int attributes (or all its instance attributes)
    wait for a second thread on every read and write."""
    counter = student.SafeCounter()
    names = [
        n for n, v in instance_attributes(counter).items() if every_attribute or type(v) is int
    ]
    if not any(type(v) is int for v in instance_attributes(counter).values()):
        pytest.fail(
            "a new SafeCounter has no int attribute: keep the count in an int attribute "
            "(`value`, or e.g. `_value` behind a `value` property), as the exercise asks",
            pytrace=False,
        )
    rendezvous = AccessRendezvous(timeout)
    # The log records the forced interleaving, so a lost update is shown step by step.
    rendezvous.log = AccessLog(then=rendezvous)
    try:
        hook_attributes(counter, names, rendezvous.log)
    except TypeError as exc:
        pytest.fail(f"could not watch the counter's attributes ({safe_repr(exc)})", pytrace=False)
    return counter, rendezvous


def _shown(log):
    """The steps that lost an update, for a failure message ("" if the log has none)."""
    text = log.lost_update()
    return "\n" + text if text else ""


def _value(counter, when):
    """Read counter.value, which the contract says is an int (exactly: no lying subclass)."""
    return require_type(counter.value, int, what=f"value {when}")


def _increment_together(counter, threads, times):
    """Increment from `threads` workers that start together; return the workers."""
    start = threading.Barrier(threads, timeout=2)

    def work():
        start.wait()
        for _ in range(times):
            counter.increment()

    workers = [Worker(work, name=f"incrementer-{i}") for i in range(threads)]
    for w in workers:
        if not w.wait(5):
            pytest.fail(f"increment() did not return in thread {w.name}: a deadlock?")
        fail_for(w.error, "increment()")
    return workers


def _slow_count(student, timeout, times, every_attribute=False):
    """Increment `times` times in each of two threads that start together, on a counter
    from `_slow_counter`; return its value and the steps that lost an update ("" if none)."""
    counter, rendezvous = _slow_counter(student, timeout, every_attribute)
    _increment_together(counter, threads=2, times=times)
    rendezvous.enabled = False
    return _value(counter, f"after {2 * times} increments"), _shown(rendezvous.log)


@COUNTER("a new counter starts at 0")
def test_starts_at_zero_and_counts_each_increment(student):
    """starts at 0 and counts each increment, as an int"""
    counter = student.SafeCounter()
    value = _value(counter, "of a new counter")
    assert value == 0, f"a new counter should have value 0, not {safe_repr(value)}"
    for _ in range(5):
        counter.increment()
    value = _value(counter, "after 5 increments")
    assert value == 5, f"5 increments gave value {safe_repr(value)}"


@COUNTER("from any number of threads", weight=3, deadline=6)
def test_no_update_is_lost_when_reads_are_slow(student):
    """loses no update when two threads increment at once and every read is slow"""
    # First every interleaving of one increment in each of two threads (at most 2
    # preemptions), then a forced schedule, which also catches what the explorer cannot
    # control (a lock made on the class, or lazily).
    result = _explore_two_increments(student)
    fail_if_explored(result, "two increments made at once")
    with falling_back(result):
        # Each read waits up to 60 ms for the other thread to read too: ten chances to collide.
        value, shown = _slow_count(student, timeout=0.06, times=5)
        assert value == 10, (
            f"2 threads x 5 increments left value at {safe_repr(value)}: {safe_repr(10 - value)} updates were lost. "
            "Two threads read the same count and both wrote back count + 1. Hold one lock, "
            "the same lock for every thread and every call, from the read to the write." + shown
        )


def _explore_two_increments(student):
    """Explore every interleaving of one increment in each of two threads."""
    explorer = Explorer(bound=2, budget=1.0)

    def setup():
        counter = student.SafeCounter()
        ints = [n for n, v in instance_attributes(counter).items() if type(v) is int]
        explorer.control(counter, watch=ints)
        return counter

    def check(counter):
        value = counter.value
        if type(value) is int and value != 2:
            return (
                f"one increment in each of two threads left value at {value}, not 2. Hold one "
                "lock, the same lock for every thread and every call, from the read to the write."
            )
        return None

    return explorer.explore(setup, [_bump, _bump], check, ["incrementer-0", "incrementer-1"])


def _bump(counter):
    counter.increment()


@COUNTER("from any number of threads")
def test_exact_under_a_plain_stress_test(student):
    """stays exact with 8 threads x 500 increments"""
    counter = student.SafeCounter()
    _increment_together(counter, threads=8, times=500)
    value = _value(counter, "after 4000 increments")
    assert value == 4000, f"8 x 500 increments gave {safe_repr(value)}"


@COUNTER("Each counter is independent")
def test_counters_are_independent(student):
    """keeps each counter's count separate"""
    one, two = student.SafeCounter(), student.SafeCounter()
    one.increment()
    one.increment()
    values = (_value(one, "after 2 increments"), _value(two, "of an untouched counter"))
    assert values == (2, 0), (
        f"after 2 increments of one counter, the two values are {safe_repr(values)}: "
        "keep the count on the instance, not on the class"
    )


# --------------------------------------------------------------------------
# transfer


class Bank:
    """Accounts whose locks are tracked and whose balances are watched."""

    def __init__(self, student, registry, *balances):
        self.student = student
        self.registry = registry
        self.labels: dict[int, str] = {}
        self.accounts = [self._open(chr(ord("A") + i), b) for i, b in enumerate(balances)]
        self.local = threading.local()
        self.problems: list[str] = []
        self.rendezvous: ReadRendezvous | None = None
        for acct in self.accounts:
            hook_attributes(acct, [self._balance_name(acct)], lambda *event: self._watch(*event))

    def _open(self, label, balance):
        acct = self.student.Account(balance)
        try:
            original = acct.lock
        except AttributeError:
            pytest.fail("an Account has no `lock` attribute", pytrace=False)
        tracked = TrackedLock(self.registry, f"the lock of account {label}", original)
        for name, value in instance_attributes(acct).items():
            if value is original:
                setattr(acct, name, tracked)
        if acct.lock is not tracked:
            pytest.fail(
                "could not replace Account.lock: store the lock in an instance attribute",
                pytrace=False,
            )
        self.labels[id(acct)] = label
        return acct

    def _balance_name(self, acct):
        attrs = instance_attributes(acct)
        for name in ("balance", "_balance"):
            if name in attrs:
                return name
        pytest.fail(
            "an Account keeps no `balance` (or `_balance`) attribute; keep the balance there",
            pytrace=False,
        )

    def _watch(self, kind, obj, name, value):
        pair = getattr(self.local, "pair", None)
        if pair is None:
            return  # the test's own reads
        # In the schedule, beside the lock steps: "reads A.balance -> 100".
        shown = repr(value) if type(value) is int else f"<{type(value).__name__}>"
        arrow = "->" if kind == "read" else "<-"
        self.registry.note(f"{kind}s {self.labels[id(obj)]}.{name} {arrow} {shown}")
        missing = [self.labels[id(a)] for a in pair if not self.registry.holds(a.lock)]
        if missing:
            self.problems.append(
                f"transfer({', '.join(self.labels[id(a)] for a in pair)}) did a {kind} of "
                f"{self.labels[id(obj)]}.{name} without holding "
                + " and ".join(f"the lock of {m}" for m in missing)
            )
        if self.rendezvous is not None and kind == "read":
            self.rendezvous(kind, obj, name, value)

    def transfer(self, src, dst, amount):
        """Call the student's transfer, marking this thread as transferring src to dst."""
        self.local.pair = (src, dst)
        try:
            return self.student.transfer(src, dst, amount)
        finally:
            self.local.pair = None

    def balances(self):
        """Read every balance, which the contract says is an int (exactly: no lying subclass)."""
        return [
            require_type(a.balance, int, what=f"the balance of account {self.labels[id(a)]}")
            for a in self.accounts
        ]


def _schedule(bank, about=""):
    """The bank's schedule for a failure message: lock steps and balance reads and writes."""
    text = bank.registry.schedule(about=about)
    return "\n" + text if text else ""


def _finish(registry, workers, timeout):
    """Wait for the workers; fail with the deadlock, and the schedule that led to it."""
    problem = registry.wait_deadlock(workers, timeout)
    if problem:
        text = registry.schedule()
        pytest.fail(problem + ("\n" + text if text else ""), pytrace=False)


@TRANSFER("Transferring the whole balance is fine", "The total of all balances is always conserved")
def test_moves_the_amount(student):
    """moves the amount from src to dst, including a whole balance"""
    bank = Bank(student, Registry(), 100, 50)
    a, b = bank.accounts
    err = call_student(bank.transfer, a, b, 30, timeout=2, what="transfer(a, b, 30)")
    fail_for(err, "transfer()")
    assert same(bank.balances(), [70, 80]), (
        f"after moving 30, balances are {safe_repr(bank.balances())}"
    )
    bank.transfer(b, a, 80)
    assert same(bank.balances(), [150, 0]), (
        f"moving b's whole balance of 80 should be allowed; balances are {safe_repr(bank.balances())}"
    )


@TRANSFER("raise `ValueError` and change nothing")
def test_insufficient_funds_raise_and_change_nothing(student):
    """raises ValueError on insufficient funds, changes nothing, and releases both locks"""
    registry = Registry()
    bank = Bank(student, registry, 10, 5)
    a, b = bank.accounts
    # pytest.raises goes by the exception's real class, which a __class__ property can't fake.
    with pytest.raises(ValueError):  # noqa: PT011 - any message will do
        bank.transfer(a, b, 11)
    assert same(bank.balances(), [10, 5]), (
        f"a refused transfer changed the balances to {safe_repr(bank.balances())}"
    )
    held = registry.holders()
    assert not held, (
        "after raising ValueError, transfer still held "
        + " and ".join(lock.name for lock in held)
        + ": release the locks on every path (use `with`)"
    )
    err = call_student(
        bank.transfer, a, b, 10, timeout=1, what="the next transfer after a refused one"
    )
    fail_for(err, "transfer()")
    assert same(bank.balances(), [0, 15]), (
        f"moving 10 of 10 should leave balances [0, 15], not {safe_repr(bank.balances())}"
    )


@TRANSFER("It never deadlocks", weight=2, deadline=8)
def test_transfers_in_opposite_directions_never_deadlock(student):
    """never deadlocks, even when every thread dawdles after taking its first lock"""
    # First every interleaving of A->B against B->A (at most 2 preemptions); then forced
    # schedules, which also try a cycle of three.
    result = _explore_opposite_transfers(student)
    fail_if_explored(result, "transfer(A, B, 10) and transfer(B, A, 20) at once")
    with falling_back(result):
        _opposite_transfers_forced(student)


def _explore_opposite_transfers(student):
    """Explore A -> B (10) against B -> A (20), both accounts at 100."""

    def check(accounts, refused):
        balances = [getattr(a, "balance", None) for a in accounts]
        if all(type(b) is int for b in balances) and balances != [110, 90]:
            return f"the balances ended at {balances}, not [110, 90]"
        return None

    return _explore_transfers(student, (100, 100), [(0, 1, 10), (1, 0, 20)], check)


def _opened_in_id_order(student, balances):
    """Accounts with these balances, made in this order, whose id()s increase in it too.

    A transfer that orders its locks by id() (or by hash(), or by a serial number) then
    takes them in the same order in every run of an exploration, so the runs can be
    replayed. Accounts made in a wrong order are kept until the next call, so that their
    addresses are not handed straight back.
    """
    for _ in range(50):
        accounts = [student.Account(b) for b in balances]
        if all(id(x) < id(y) for x, y in zip(accounts, accounts[1:], strict=False)):
            break
        _SET_ASIDE.append(accounts)
    else:
        _SET_ASIDE.clear()
        return accounts  # the explorer says so if the runs then differ
    _SET_ASIDE.clear()
    return accounts


_SET_ASIDE: list = []


def _explore_transfers(student, balances, moves, check, bound=2):
    """Explore every interleaving of `moves` ((src, dst, amount) by account number), one
    transfer per thread, with at most `bound` preemptions. `check(accounts, refused)` is
    given the accounts and the numbers of the moves that raised ValueError."""
    explorer = Explorer(bound=bound, budget=2.0)
    refused = []

    def setup():
        refused.clear()
        accounts = []
        for k, acct in enumerate(_opened_in_id_order(student, balances)):
            names = [n for n in ("balance", "_balance") if n in instance_attributes(acct)]
            letter = chr(ord("A") + k)
            explorer.control(acct, watch=names[:1], label=letter)
            lock = getattr(acct, "lock", None)
            if hasattr(lock, "owner"):
                lock.name = f"the lock of account {letter}"
            accounts.append(acct)
        return accounts

    def mover(m, src, dst, amount):
        def move(accounts):
            try:
                student.transfer(accounts[src], accounts[dst], amount)
            except ValueError:
                refused.append(m)

        return move

    workers = [mover(m, *move) for m, move in enumerate(moves)]
    names = [f"transfer-{chr(65 + s)}-to-{chr(65 + d)}" for s, d, _ in moves]
    return explorer.explore(setup, workers, lambda accounts: check(accounts, refused), names)


def _opposite_transfers_forced(student):
    # Round 1: A->B against B->A. Round 2: a cycle A->B, B->C, C->A.
    for balances, moves in [
        ((100, 100), [(0, 1, 10), (1, 0, 20)]),
        ((100, 100, 100), [(0, 1, 10), (1, 2, 20), (2, 0, 30)]),
    ]:
        with Registry(pause_first_hold=0.3, party=len(moves)) as registry:
            bank = Bank(student, registry, *balances)
            acct = bank.accounts
            workers = [
                Worker(bank.transfer, acct[s], acct[d], amount, name=f"transfer-{s}-to-{d}")
                for s, d, amount in moves
            ]
            _finish(registry, workers, timeout=3.0)
        for w in workers:
            fail_for(w.error, "transfer()")
        expected = list(balances)
        for s, d, amount in moves:
            expected[s] -= amount
            expected[d] += amount
        assert same(bank.balances(), expected), (
            f"expected balances {expected}, got {safe_repr(bank.balances())}"
        )


@TRANSFER("The transfer is atomic", weight=2)
def test_holds_both_locks_whenever_it_touches_a_balance(student):
    """reads and changes balances only while holding both accounts' locks"""
    bank = Bank(student, Registry(), 100, 100)
    a, b = bank.accounts
    bank.transfer(a, b, 10)
    bank.transfer(b, a, 5)
    try:
        bank.transfer(a, b, 1000)
    except ValueError:
        pass
    problems = list(dict.fromkeys(bank.problems))
    assert not problems, (
        "a transfer is atomic only if both locks are held for every read and write: "
        + "; ".join(problems[:3])
        + _schedule(bank)
    )


@TRANSFER("The transfer is atomic", "raise `ValueError` and change nothing")
def test_two_overdrafts_at_once_cannot_both_succeed(student):
    """lets only one of two simultaneous transfers of 60 out of 100 succeed"""
    # First every interleaving of A -> B (60) against A -> C (60), A at 100 (at most 2
    # preemptions); then a forced schedule, where the reads of A's balance meet.
    result = _explore_transfers(student, (100, 0, 0), [(0, 1, 60), (0, 2, 60)], _one_refused)
    fail_if_explored(result, "transfer(A, B, 60) and transfer(A, C, 60), A at 100")
    with falling_back(result):
        _two_overdrafts_forced(student)


def _one_refused(accounts, refused):
    balances = [getattr(a, "balance", None) for a in accounts]
    if not all(type(b) is int for b in balances):
        return None  # other tests judge a balance that is not an int
    if len(refused) != 1 or balances[0] != 40 or sum(balances) != 100:
        return (
            f"{2 - len(refused)} of the two transfers succeeded and the balances ended at "
            f"{balances}: check the funds and move the money under both locks, in one go"
        )
    return None


def _two_transfers_of_60_out_of_a(bank, meet, finish):
    """Start A -> B and A -> C, 60 each, at once, with reads of a balance meeting for up
    to `meet` s; wait up to `finish` s for both; return the workers refused with
    ValueError (failing the test if either raised anything else)."""
    a, b, c = bank.accounts
    bank.rendezvous = ReadRendezvous(timeout=meet)
    start = threading.Barrier(2, timeout=2)

    def move(dst):
        start.wait()
        return bank.transfer(a, dst, 60)

    workers = [Worker(move, b, name="to-b"), Worker(move, c, name="to-c")]
    _finish(bank.registry, workers, timeout=finish)
    bank.rendezvous.enabled = False
    # The real class: a __class__ property would fool isinstance().
    refused = [w for w in workers if real_isinstance(w.error, ValueError)]
    for w in workers:
        if not real_isinstance(w.error, ValueError):
            fail_for(w.error, "transfer()")
    return refused


def _two_overdrafts_forced(student):
    bank = Bank(student, Registry(), 100, 0, 0)
    refused = _two_transfers_of_60_out_of_a(bank, meet=0.05, finish=3)
    assert len(refused) == 1 and bank.balances()[0] == 40, (
        f"two transfers of 60 from a balance of 100 ran at once: {2 - len(refused)} succeeded "
        f"and the balances are {safe_repr(bank.balances())}. Check the funds under the locks."
        + _schedule(bank, about="A")
    )
    assert sum(bank.balances()) == 100, f"the total changed: balances {safe_repr(bank.balances())}"


def _probe_two_credits_at_once_conserve_the_total(student):
    """Two transfers into B at once (A -> B and C -> B); reads of B.balance meet, so two
    unlocked credits both read 100 and one of them is lost, on every run."""
    bank = Bank(student, Registry(), 100, 100, 100)
    a, b, c = bank.accounts
    meet = ReadRendezvous(timeout=0.3)
    bank.rendezvous = lambda kind, obj, name, value: (
        meet(kind, obj, name, value) if obj is b else None
    )
    start = threading.Barrier(2, timeout=2)

    def move(src, amount):
        start.wait()
        return bank.transfer(src, b, amount)

    workers = [Worker(move, a, 10, name="A-to-B"), Worker(move, c, 20, name="C-to-B")]
    _finish(bank.registry, workers, timeout=4)
    meet.enabled = False
    for w in workers:
        fail_for(w.error, "transfer()")
    balances = bank.balances()
    assert same(balances, [90, 130, 80]), (
        f"transfer(A, B, 10) and transfer(C, B, 20) ran at once and left the balances at "
        f"{safe_repr(balances)}, not [90, 130, 80]: the total went from 300 to "
        f"{safe_repr(sum(balances))}. Both read B's balance before either wrote it back; "
        "hold both accounts' locks for every read and write." + _schedule(bank, about="B")
    )


@TRANSFER("It never deadlocks", "The total of all balances is always conserved", deadline=6)
def test_many_transfers_both_ways_conserve_the_total(student):
    """conserves the total over many concurrent transfers both ways between three accounts"""
    # The forced probe first, so that whether an unlocked update loses money does not
    # depend on where the free-running threads below happen to switch.
    _probe_two_credits_at_once_conserve_the_total(student)
    threads, each = 6, 15
    with Registry(pause_first_hold=0.3, party=threads) as registry:
        bank = Bank(student, registry, 1000, 1000, 1000)
        acct = bank.accounts

        def work(seed):
            rng = random.Random(seed)
            for _ in range(each):
                s, d = rng.sample(range(3), 2)
                bank.transfer(acct[s], acct[d], rng.randint(1, 5))

        workers = [Worker(work, seed, name=f"mover-{seed}") for seed in range(threads)]
        _finish(registry, workers, timeout=4.0)
    for w in workers:
        fail_for(w.error, "transfer()")
    assert sum(bank.balances()) == 3000, (
        f"the total of the balances changed from 3000 to {safe_repr(sum(bank.balances()))}"
    )


# --------------------------------------------------------------------------
# issue 12: holes found by independent wrong solutions


@COUNTER("from any number of threads", weight=2, deadline=10)
def test_first_calls_at_once_share_one_lock(student):
    """loses no update when the very first two increments run at once and every access is slow"""
    # Every instance attribute (the lock too) waits for another thread's access: a lock
    # made on first use by each of two first callers is two locks, and an update is lost.
    value, shown = _slow_count(student, timeout=0.3, times=1, every_attribute=True)
    assert value == 2, (
        f"the first two increments, made at once, left value at {safe_repr(value)}. Both threads "
        "got past the read before either wrote: make the lock in __init__ (or on the class), "
        "not lazily on first use, and hold it from the read to the write." + shown
    )


@COUNTER("from any number of threads", weight=2, deadline=10)
def test_count_stays_still_while_an_increment_holds_the_lock(student):
    """makes a second increment wait, for 2 s, while the first is held inside its critical section"""
    counter = student.SafeCounter()
    names = [n for n, v in instance_attributes(counter).items() if type(v) is int]
    if not names:
        pytest.fail("a new SafeCounter has no int attribute", pytrace=False)
    inside, go = threading.Event(), threading.Event()
    holder: list[threading.Thread] = []

    def hold(kind, obj, name, value):
        # The holder's first touch of the count happens inside its critical section.
        if holder and threading.current_thread() is holder[0] and not inside.is_set():
            inside.set()
            go.wait(5)

    # A lock with a time limit gives up at once, so giving up is never a matter of timing.
    registry = Registry(fast_timeouts=0.01)
    instrument_primitives(counter, registry)
    # The log shows the schedule if the second increment gets in: the held read, then the other's.
    log = AccessLog(then=hold)
    hook_attributes(counter, names, log)
    before = {n: getattr(counter, n) for n in names}  # the test's reads pass straight through
    first = Worker(
        lambda: (holder.append(threading.current_thread()), counter.increment()), name="held"
    )
    try:
        if not inside.wait(3):
            pytest.fail("increment() never read or wrote the count", pytrace=False)
        second = Worker(counter.increment, name="second")
        second_done = second.wait(2.0)
        during = {n: getattr(counter, n) for n in names}
    finally:
        go.set()
    assert first.wait(3) and second.wait(3), "an increment did not return once the first was let go"
    fail_for(first.error, "increment()")
    fail_for(second.error, "increment()")
    assert not second_done and same(list(during.values()), list(before.values())), (
        "while one increment was held for 2 s between its read and its write, a second "
        f"increment {'returned' if second_done else 'ran'} and the count went from "
        f"{safe_repr(before)} to {safe_repr(during)}: it must wait for the lock, however long "
        "that takes (don't give up after a timeout)" + ("\n" + log.schedule() if log.steps else "")
    )
    # No check of the final value here: once the first is let go, the two increments run
    # free, and whether a write made outside the lock is lost would depend on where they
    # switch. The forced schedules of the other counter tests decide that, every time.


class SwitchingLock(TrackedLock):
    """A TrackedLock that, right after a thread releases it, pauses that thread until
    another thread has acquired it (or no other transfer is running, or 1 s passes).

    Two critical sections of one transfer then always have another thread's
    critical section in between.
    """

    def __init__(self, registry, name, inner, switch):
        super().__init__(registry, name, inner)
        self.switch = switch

    def acquire(self, blocking=True, timeout=-1):
        got = super().acquire(blocking, timeout)
        if got:
            self.switch.acquired(self)
        return got

    def release(self):
        super().release()
        self.switch.released(self)


class Switch:
    def __init__(self, transfers, pause=1.0):
        self.pause = pause
        #: Transfers not finished yet, counted from before any of them starts.
        self.active = transfers
        self.acquires: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self._cond = threading.Condition()

    def leave(self):
        with self._cond:
            self.active -= 1
            self._cond.notify_all()

    def acquired(self, lock):
        with self._cond:
            self.acquires[id(lock)] = self.acquires.get(id(lock), 0) + 1
            self.last[id(lock)] = threading.get_ident()
            self._cond.notify_all()

    def released(self, lock):
        me = threading.get_ident()
        with self._cond:
            seen = self.acquires.get(id(lock), 0)
            self._cond.wait_for(
                lambda: (
                    self.active <= 1
                    or (self.acquires.get(id(lock), 0) > seen and self.last.get(id(lock)) != me)
                ),
                self.pause,
            )


class SwitchingBank(Bank):
    def __init__(self, student, registry, transfers, *balances):
        self.switch = Switch(transfers)
        super().__init__(student, registry, *balances)

    def _open(self, label, balance):
        acct = super()._open(label, balance)
        tracked = acct.lock
        switching = SwitchingLock(self.registry, tracked.name, tracked._inner, self.switch)
        for name, value in instance_attributes(acct).items():
            if value is tracked:
                setattr(acct, name, switching)
        return acct

    def transfer(self, src, dst, amount):
        try:
            return super().transfer(src, dst, amount)
        finally:
            self.switch.leave()


@TRANSFER("The transfer is atomic", "raise `ValueError` and change nothing", weight=2, deadline=10)
def test_funds_checked_and_moved_in_one_critical_section(student):
    """lets one of two transfers of 60 out of 100 succeed when another thread runs at every lock release"""
    bank = SwitchingBank(student, Registry(), 2, 100, 0, 0)
    # Reads meet too: a check made before any lock is taken is read by both
    # threads before either moves the money, on every run (not only when the
    # scheduler happens to interleave the two unlocked reads).
    refused = _two_transfers_of_60_out_of_a(bank, meet=0.3, finish=8)
    balances = bank.balances()
    assert len(refused) == 1 and same(sorted(balances), [0, 40, 60]), (
        f"two transfers of 60 from a balance of 100, with another thread let in at every lock "
        f"release: {2 - len(refused)} succeeded and the balances are {safe_repr(balances)}. "
        "Check the funds and move the money without releasing the locks in between."
        + _schedule(bank, about="A")
    )


@TRANSFER("A transfer never waits for a transfer between two other accounts", weight=2, deadline=10)
def test_transfers_between_unrelated_accounts_run_at_once(student):
    """finishes a transfer C -> D while A -> B is held inside and B -> A waits for it"""
    bank = Bank(student, Registry(), 100, 100, 100, 100)
    a, b, c, d = bank.accounts
    inside, go = threading.Event(), threading.Event()
    watch = bank._watch

    def held_watch(kind, obj, name, value):
        watch(kind, obj, name, value)
        pair = getattr(bank.local, "pair", None)
        if pair is not None and pair[0] is a and not inside.is_set():
            inside.set()
            go.wait(5)

    bank._watch = held_watch
    first = Worker(bank.transfer, a, b, 10, name="A-to-B")
    try:
        if not inside.wait(3):
            pytest.fail("transfer(A, B, 10) never read a balance", pytrace=False)
        # A transfer that waits for A or B meanwhile must not hold up C -> D either (a lock
        # of its own, taken while it waits for an account's, would).
        back = Worker(bank.transfer, b, a, 5, name="B-to-A")
        bank.registry.wait_blocked(back, 2.0)
        other = Worker(bank.transfer, c, d, 20, name="C-to-D")
        other_done = other.wait(2)
    finally:
        go.set()
    assert first.wait(3) and back.wait(3) and other.wait(3), (
        "a transfer did not return once A -> B was let go"
    )
    for worker in (first, back, other):
        fail_for(worker.error, "transfer()")
    assert other_done, (
        "transfer(C, D) waited while transfer(A, B) was inside its critical section and "
        "transfer(B, A) waited for it: C -> D shares no account with either, so it must not "
        "share a lock with them (take only src.lock and dst.lock, and nothing while you wait)"
        + _schedule(bank)
    )
    assert same(bank.balances(), [95, 105, 80, 120]), f"balances {safe_repr(bank.balances())}"


@TRANSFER("raise `ValueError` and change nothing", weight=2, deadline=10)
def test_a_transfer_waits_for_a_busy_account_however_long(student):
    """waits, however long, for an account another transfer holds, then moves the money"""
    # Two runs: the two accounts with the highest id() held, then the two with the lowest.
    # A transfer that orders its locks somehow and gives up on the second after a time
    # limit meets, in one of the two, a free account first and a held one second, whatever
    # its order: the account that comes first of all is free in one run or the other.
    _waits_for_held_accounts(student, held=(2, 3))
    _waits_for_held_accounts(student, held=(0, 1))


def _waits_for_held_accounts(student, held):
    """Hold a transfer between two accounts (by rank of id()) inside its critical section;
    every transfer from another account to one of them must wait, then move the money."""
    # Every time limit on an account's lock runs out at once: a transfer that gives up
    # after a time limit gives up every time, instead of when the machine is slow.
    bank = Bank(student, Registry(fast_timeouts=0.01), 100, 100, 100, 100)
    ranked = sorted(bank.accounts, key=id)
    src, dst = ranked[held[0]], ranked[held[1]]
    free = [a for a in ranked if a is not src and a is not dst]
    label = {id(a): bank.labels[id(a)] for a in bank.accounts}
    inside, go = threading.Event(), threading.Event()
    watch = bank._watch

    held_at: list[str] = []  # the locks the held transfer held when it was stopped

    def held_watch(kind, obj, name, value):
        watch(kind, obj, name, value)
        pair = getattr(bank.local, "pair", None)
        if pair is not None and pair[0] is src and not inside.is_set():
            held_at.extend(a.lock.name for a in pair if bank.registry.holds(a.lock))
            inside.set()
            go.wait(5)

    bank._watch = held_watch
    what = f"{label[id(src)]} -> {label[id(dst)]}"
    first = Worker(bank.transfer, src, dst, 10, name=what.replace(" -> ", "-to-"))
    moves = [(f, h, 1 + k) for k, (f, h) in enumerate((f, h) for f in free for h in (src, dst))]
    try:
        if not inside.wait(3):
            pytest.fail(f"transfer({what}, 10) never read a balance", pytrace=False)
        # Each of these can take its free account at once and must wait for a held one.
        waiting = [
            Worker(bank.transfer, f, h, n, name=f"{label[id(f)]}-to-{label[id(h)]}")
            for f, h, n in moves
        ]
        for worker in waiting:
            bank.registry.wait_blocked(worker, 2.0)
        early = [w.name for w in waiting if w.wait(0.3)]
        # The schedule up to here, while the accounts are still held: what the early
        # transfers did then is the story, not the moves made once they were let go.
        shown = _schedule(bank) if early else ""
    finally:
        go.set()
    assert first.wait(3) and all(w.wait(3) for w in waiting), (
        f"a transfer did not return once {what} was let go"
    )
    gave_up = [
        f"{w.name} {'raised ' + type_name(w.error) if w.error is not None else 'returned'}"
        for w in waiting
        if w.name in early
    ]
    if len(held_at) < 2:
        # Stopped at a read of a balance made without both locks: the others could pass.
        why = (
            f"was stopped at a read of a balance it made holding "
            f"{' and '.join(held_at) or 'neither lock'}: read and change balances only while "
            "holding both accounts' locks"
        )
    else:
        why = (
            "held its accounts: wait for the lock, however long that takes, and move the "
            "money (only too little money is a reason to refuse)"
        )
    assert not gave_up, f"{', '.join(gave_up)} while {what} {why}" + shown
    for worker in (first, *waiting):
        fail_for(worker.error, "transfer()")
    expected = {id(a): 100 for a in bank.accounts}
    for f, h, n in [(src, dst, 10), *moves]:
        expected[id(f)] -= n
        expected[id(h)] += n
    want = [expected[id(a)] for a in bank.accounts]
    assert same(bank.balances(), want), f"balances {safe_repr(bank.balances())}, not {want}"


@TRANSFER("raise `ValueError` and change nothing")
def test_empty_account_refuses(student):
    """refuses a transfer out of an empty account, then moves money into it"""
    bank = Bank(student, Registry(), 0, 5)
    a, b = bank.accounts
    with pytest.raises(ValueError):  # noqa: PT011 - any message will do
        bank.transfer(a, b, 1)
    assert same(bank.balances(), [0, 5]), f"balances {safe_repr(bank.balances())}"
    bank.transfer(b, a, 5)
    assert same(bank.balances(), [5, 0]), f"balances {safe_repr(bank.balances())}"


@TRANSFER("The transfer is atomic")
def test_each_account_has_a_working_lock_of_its_own(student):
    """gives each new Account a lock of its own that is free and can be taken and released"""
    # The other tests swap every account's lock for an instrumented one, so they would
    # never notice an Account whose own `lock` is not a lock at all: look at it here.
    accounts = [student.Account(10), student.Account(20)]
    locks = []
    for acct in accounts:
        try:
            lock = acct.lock
        except AttributeError:
            pytest.fail("an Account has no `lock` attribute", pytrace=False)
        acquire, release = getattr(lock, "acquire", None), getattr(lock, "release", None)
        if not (callable(acquire) and callable(release)):
            pytest.fail(
                f"Account(...).lock is {safe_repr(lock)}, not a lock: give every account "
                "a threading.Lock (or RLock) of its own in __init__",
                pytrace=False,
            )
        got = call_student(acquire, False, timeout=1, what="acquire(False) on a new account's lock")
        fail_for(got, "Account(...).lock.acquire(False)")
        assert same(got, True), (
            f"acquire(False) on a new account's lock returned {safe_repr(got)}, not True: "
            "a new account's lock must be free"
        )
        err = call_student(release, timeout=1, what="release() of a new account's lock")
        fail_for(err, "Account(...).lock.release() after acquire(False)")
        locks.append(lock)
    assert locks[0] is not locks[1], (
        "two accounts share one lock: give every account a lock of its own, so that "
        "transfers between unrelated accounts can run at the same time"
    )
