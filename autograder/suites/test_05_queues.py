"""Hidden tests for 05_queues: ConsumerThread, parallel_map, run_pipeline and fail_fast_map.

Bad schedules are forced, not hoped for. A consumer's send() waits on a gate
so that close() is called while items are still queued; work functions wait
until more than the allowed number of calls are inside (with a fallback
deadline), so an implementation without a limit shows its peak at once; a
stage of the pipeline waits until the next stage has handled an item, which
only happens if the stages really run side by side. A consumer that is held
in send() while close() or send() is called shows a stop flag or a bounded
queue every time; one slow call among quick ones shows batches; a generator
that sleeps (and so lets other threads run) inside next() shows an iterator
shared by several workers without a lock.
"""

import queue
import threading
import time
from collections import Counter

import pytest

from autograder.instruments import FastJoins, FastWaits
from autograder.suites._trust import fail_for, safe_repr, same, type_name
from autograder.testing import (
    ConcurrencyProbe,
    Exercise,
    HeldAtExit,
    ThreadWatch,
    call_student,
    call_with_deadline,
    student_spaces,
    thread_alive,
    thread_name,
    wait_until,
)

#: FastWaits swaps queue.SimpleQueue and the time module's clocks for one test.
LIBRARY_WRITES = ("queue", "time")

CONSUMER = Exercise("consumer_thread")
PMAP = Exercise("parallel_map")
PIPE = Exercise("pipeline")

UNTESTED = {
    "pipeline": {
        "It may skip the work on the remaining items": "a permission granted to the student: "
        "doing the remaining work and skipping it are both correct",
    },
}

#: Items that are false or None: a sentinel `None` or an `if item:` loses them.
FALSY = [None, 0, "", False, 0.0, (), None]

#: The exact types of FALSY: only values of these types may be counted with _key.
PLAIN = (type(None), int, str, bool, float, tuple)


def _key(x):
    """Tell 0, 0.0 and False apart (they are equal and hash alike); only for PLAIN values."""
    return (type(x).__name__, x)


class EqualToAnyString:
    """An item that says it equals every string: a string sentinel compared with == stops at it.

    Only strings: `iter(queue.get, sentinel)` compares with ==, and with a sentinel that is
    no string (a private class or object()) it is correct.
    """

    def __eq__(self, other):
        return isinstance(other, str)

    __hash__ = object.__hash__

    def __repr__(self):
        return "EqualToAnyString()"


class Halt(BaseException):
    """An exception that is not an Exception: `except Exception` lets it through."""


def _raising_at(at, make):
    """An identity function that raises a new `make()` each time it is called with the int
    `at`; returns the function and the list of the exceptions it has raised."""
    raised = []

    def func(x):
        if type(x) is int and x == at:
            raised.append(make())
            raise raised[-1]
        return x

    return func, raised


def _did(value):
    """What a call did, for a failure message: "raised <type>" or "returned <value>"."""
    if isinstance(value, BaseException):
        return "raised " + type_name(value)
    return "returned " + safe_repr(value)


def _raises_the_halt(mapper, name, items, workers, at):
    """Fail unless `mapper(func, items, workers)` raises the very Halt (a BaseException,
    not an Exception) that the call for item `at` raises."""
    func, raised = _raising_at(at, lambda: Halt(f"item {at}"))
    value = call_student(
        mapper,
        func,
        items,
        workers,
        timeout=2.0,
        what=name,
        hint="it hung after a call raised a BaseException",
    )
    assert raised and value is raised[0], (
        f"a call raised Halt (a BaseException, not an Exception), and {name} should raise it, "
        f"but it {_did(value)}"
    )


class Recorder:
    """A consumer (send/close) that records what happens to it, and from which thread.

    `gate`, if given, holds the first send() until it is set (or `gate_timeout` s pass);
    `close_gate`, if given, holds close() the same way (for `close_timeout` s) before it
    counts as done, so a close() that does not wait for consumer.close() returns while
    consumer.close() is still held, every time.
    """

    def __init__(self, gate=None, gate_timeout=0.5, fail_on=(), close_gate=None, close_timeout=0.5):
        self.lock = threading.Lock()
        self.items = []
        #: id(thread) -> thread (kept, so ids stay unique): a Thread subclass may fake
        #: __eq__ and __hash__, and an OS thread ident is reused once its thread ends.
        self.threads = {}
        #: The OS ident of the thread that made the first delivery.
        self.first_ident = None
        self.events = []
        self.closes_started = 0
        self.closes_done = 0
        self.gate = gate
        self.gate_timeout = gate_timeout
        self.close_gate = close_gate
        self.close_timeout = close_timeout
        #: Items whose send() raises (compared by identity); the exceptions raised.
        self.fail_on = fail_on
        self.raised = []
        #: Set when send() is first entered (before the gate).
        self.entered = threading.Event()

    def send(self, item):
        self.entered.set()
        if self.gate is not None and not self.items:
            self.gate.wait(self.gate_timeout)
        if any(item is bad for bad in self.fail_on):
            exc = RuntimeError(f"the consumer cannot take {item!r}")
            with self.lock:
                self.events.append("raise")
                self.raised.append(exc)
            raise exc
        with self.lock:
            self.items.append(item)
            me = threading.current_thread()
            self.threads[id(me)] = me
            if self.first_ident is None:
                self.first_ident = threading.get_ident()
            self.events.append("send")

    def close(self):
        with self.lock:
            self.closes_started += 1
            me = threading.current_thread()
            self.threads[id(me)] = me
        if self.close_gate is not None:
            self.close_gate.wait(self.close_timeout)
        with self.lock:
            self.closes_done += 1
            self.events.append("close")


def _started_consumer(student, consumer):
    ct = student.ConsumerThread(consumer)
    # type(), not isinstance(): a __class__ property fools isinstance.
    assert issubclass(type(ct), threading.Thread), "ConsumerThread must subclass threading.Thread"
    ct.start()
    return ct


def _finds_its_queue_empty(ct):
    """An Event set once a thread other than the test's finds the queue.Queue that `ct`
    keeps in an attribute empty (in get() or get_nowait()); None if it keeps none."""
    test_thread = threading.current_thread()
    looked = threading.Event()
    for value in list(getattr(ct, "__dict__", {}).values()):
        if isinstance(value, queue.Queue):
            size = value._qsize

            def _qsize(size=size):
                n = size()
                if n == 0 and threading.current_thread() is not test_thread:
                    looked.set()
                return n

            value._qsize = _qsize
            return looked
    return None


#: Looks at an empty queue in 0.4 s that only a loop which never blocks makes.
SPIN_LOOKS = 1000


def _counts_looks_at_its_queue(ct):
    """A one-item list counting how often a thread other than the test's looks at the
    size of the queue.Queue that `ct` keeps in an attribute (empty(), get(), qsize()
    all do); None if it keeps none."""
    test_thread = threading.current_thread()
    for value in list(getattr(ct, "__dict__", {}).values()):
        if isinstance(value, queue.Queue):
            count = [0]
            size = value._qsize

            def _qsize(size=size, count=count):
                if threading.current_thread() is not test_thread:
                    count[0] += 1
                return size()

            value._qsize = _qsize
            return count
    return None


def _hold_its_thread_at_the_end(rec, looked, joins):
    """Make every thread that calls `rec.send` or `rec.close` wait at its very end
    (`HeldAtExit`) until `joins` has seen a join() of a watched thread or `looked` is set
    (1 s at most). A close() that waits for something its thread does before it ends (an
    Event it sets, a count) instead of joining it returns while the thread is still
    running, every time."""
    exits = threading.local()

    def marking(method):
        def call(*args):
            if getattr(exits, "held", None) is None:
                exits.held = HeldAtExit(looked, lambda: joins.joins > 0, 1.0)
            return method(*args)

        return call

    rec.send, rec.close = marking(rec.send), marking(rec.close)


def _close(ct, timeout=2.0):
    """Call ct.close() with a deadline; fail on what it raised."""
    value = call_student(
        ct.close, timeout=timeout, what="close()", hint="did the thread get its sentinel?"
    )
    fail_for(value, "close()")


def _close_while_busy(ct, rec, gate, hold=0.5, timeout=3.0):
    """Call ct.close() while the consumer is held in its first send(); free it `hold` s later.

    Return what the consumer had received the moment close() returned. A thread
    that stops on a flag instead of a sentinel finds the flag set when it comes
    back from that send, every time, with the other items still queued; a close()
    that does not wait returns while the consumer is still held, every time.
    """

    opener = threading.Timer(hold, gate.set)
    opener.daemon = True

    def close_and_look():
        opener.start()  # counted from the call of close(), in the thread that makes it
        ct.close()
        with rec.lock:
            return list(rec.items)

    try:
        value = call_student(
            close_and_look, timeout=timeout, what="close()", hint="did the thread get its sentinel?"
        )
    finally:
        gate.set()
        opener.cancel()
    fail_for(value, "close()")
    return value


def _ints(values, what):
    """Fail unless `values` is a list of exact ints; return it.

    Only then may the test sort or count them: a subclass could fake ==, < and hash.
    """
    if type(values) is not list:
        pytest.fail(f"{what} should be a list, not {type_name(values)}", pytrace=False)
    for value in values:
        if type(value) is not int:
            pytest.fail(
                f"{what} holds {safe_repr(value)}, {type_name(value)}, where an int was expected "
                "(pass on the very values you were given)",
                pytrace=False,
            )
    return values


def _cpu_clock(ident):
    """Return a function giving the CPU time of thread `ident`, or the process's where unsupported."""
    try:
        clock = time.pthread_getcpuclockid(ident)
        time.clock_gettime(clock)
    except (AttributeError, OSError):
        return time.process_time
    return lambda: time.clock_gettime(clock)


# --------------------------------------------------------------------------
# ConsumerThread


@CONSUMER(
    "`ConsumerThread` subclasses `threading.Thread`",
    "in the order they were queued",
    "Only the thread itself calls",
    weight=2,
)
def test_delivers_every_item_in_order_from_its_own_thread(student):
    """passes every item to consumer.send in the order sent, from the consumer thread"""
    gate = threading.Event()
    rec = Recorder(gate=gate, gate_timeout=2.0)
    ct = _started_consumer(student, rec)
    for i in range(50):
        ct.send(i)
    items = _close_while_busy(ct, rec, gate)
    assert same(items, list(range(50))), (
        f"when close() returned the consumer had received {safe_repr(items)} instead of "
        "0, 1, 2, ..., 49 in order"
    )
    others = {thread_name(t) for t in rec.threads.values() if t is not ct}
    assert not others, (
        f"consumer.send/close were called from {sorted(others)}, not from the ConsumerThread: "
        "only the thread's run() should call the consumer"
    )


@CONSUMER("returns only when every item queued before it", weight=2)
def test_close_waits_until_every_queued_item_is_delivered(student):
    """close() returns only after every queued item has reached the consumer"""
    gate, closing = threading.Event(), threading.Event()
    # consumer.close() is held for 0.5 s: a close() that returns before the thread
    # has ended finds it still held, every time.
    rec = Recorder(gate=gate, close_gate=closing)
    looked = threading.Event()
    # Any time limit on a join of the thread runs out at once: a close() that gives up
    # waiting after a while returns while the consumer is still held, every time.
    joins = FastJoins()
    _hold_its_thread_at_the_end(rec, looked, joins)
    ct = _started_consumer(student, rec)
    joins.watch(ct)
    for i in range(5):
        ct.send(i)

    def close_and_look():
        ct.close()
        # Look at once, before the consumer gets the chance to catch up.
        try:
            return list(rec.items), rec.closes_done, thread_alive(ct)
        finally:
            looked.set()

    try:
        value = call_student(close_and_look, timeout=2.5, what="close()")
    finally:
        gate.set()
        closing.set()
        looked.set()
    fail_for(value, "close()")
    items, closes, alive = value
    assert same(items, [0, 1, 2, 3, 4]), (
        f"close() returned when the consumer had received only {safe_repr(items)}: "
        "queue a sentinel behind the items and wait for the thread to end, however long the "
        "consumer takes (join with no time limit)" + joins.says()
    )
    assert closes == 1, (
        f"consumer.close() had been called {closes} times when close() returned" + joins.says()
    )
    assert not alive, (
        "the thread was still running when close() returned: join it (with no time limit), "
        "rather than wait for something it does before it ends" + joins.says()
    )


@CONSUMER("returns only when every item queued before it", weight=2)
def test_closes_the_consumer_once_after_the_last_item(student):
    """calls consumer.close() exactly once, after the last send, before close() returns"""
    gate, closing = threading.Event(), threading.Event()
    # consumer.close() is held for 0.5 s (see Recorder).
    rec = Recorder(gate=gate, gate_timeout=2.0, close_gate=closing)
    ct = _started_consumer(student, rec)
    for i in range(3):
        ct.send(i)

    # Free the first send() only once close() has been called.
    opener = threading.Timer(0.5, gate.set)
    opener.daemon = True

    def close_and_look():
        opener.start()
        ct.close()
        return rec.closes_done

    try:
        value = call_student(close_and_look, timeout=3.0, what="close()")
    finally:
        gate.set()
        closing.set()
        opener.cancel()
    fail_for(value, "close()")
    # Whether the thread itself had ended is decided, with the thread held at its end, by
    # test_close_waits_until_every_queued_item_is_delivered; looked at here it would be a race.
    assert value == 1, (
        "close() returned while consumer.close() was still running (or before it was called): "
        "wait for the thread itself to end, not just for the queue to empty"
    )
    time.sleep(0.05)
    assert rec.closes_started == 1, f"consumer.close() was called {rec.closes_started} times"
    assert rec.events == ["send"] * 3 + ["close"], (
        f"the consumer saw {rec.events}: close must come once, after every send"
    )


@CONSUMER(
    "The caller calls `start()`, then any number of `send(item)` (from any threads)", deadline=8
)
def test_items_sent_from_many_threads_all_arrive(student):
    """delivers every item exactly once when several threads send at the same time"""
    gate = threading.Event()
    rec = Recorder(gate=gate, gate_timeout=2.0)
    ct = _started_consumer(student, rec)
    barrier = threading.Barrier(4, timeout=2)

    def produce(base):
        barrier.wait()
        for i in range(100):
            ct.send(base + i)

    producers = [threading.Thread(target=produce, args=(k * 1000,)) for k in range(4)]
    for p in producers:
        p.start()
    for p in producers:
        # Longer than the gate's 2 s: a send() that waits for the busy consumer (another
        # test's matter) gets through here every time, not only when the timers allow.
        p.join(4)
    items = _close_while_busy(ct, rec, gate)
    expected = Counter(k * 1000 + i for k in range(4) for i in range(100))
    got = Counter(_ints(items, "what the consumer received"))
    assert got == expected, (
        f"{sum((expected - got).values())} items were lost and "
        f"{sum((got - expected).values())} delivered twice"
    )
    for k in range(4):
        mine = [x for x in items if k * 1000 <= x < (k + 1) * 1000]
        assert mine == sorted(mine), "items from one sender arrived out of order"


@CONSUMER("it blocks on the queue", deadline=5)
def test_waits_for_items_without_busy_waiting(student):
    """an idle ConsumerThread blocks on its queue instead of spinning (uses no CPU)"""
    rec = Recorder()
    ct = _started_consumer(student, rec)
    try:
        ct.send("warm-up")
        assert wait_until(lambda: rec.items, 2.0), "the first item never reached the consumer"
        # The thread that really delivered the item, not whatever ct.ident claims.
        cpu = _cpu_clock(rec.first_ident)
        looks = _counts_looks_at_its_queue(ct)
        before_cpu, before = cpu(), time.perf_counter()
        time.sleep(0.4)
        used, wall = cpu() - before_cpu, time.perf_counter() - before
        looked = looks[0]
    finally:
        _close(ct)
    # Two loose bounds, either of which a spinning thread breaks: a blocked thread
    # uses almost no CPU and looks at its queue only when woken, while a spinning
    # one looks at it thousands of times even with a small share of a loaded core.
    assert used < 0.1 * wall and (looks is None or looked < SPIN_LOOKS), (
        f"while idle for {wall:.2f} s the consumer thread used {used:.2f} s of CPU"
        + ("" if looks is None else f" and looked at its empty queue {looked} times")
        + ": block in queue.get() instead of polling empty()"
    )


@CONSUMER("An item sent to an idle thread is delivered at once")
def test_delivers_an_item_promptly(student):
    """an item sent to an idle ConsumerThread reaches the consumer within a fraction of a second"""
    rec = Recorder()
    ct = student.ConsumerThread(rec)
    assert issubclass(type(ct), threading.Thread), "ConsumerThread must subclass threading.Thread"
    looked = _finds_its_queue_empty(ct)
    ct.start()
    try:
        # Send only once the thread has found its queue empty: a thread that then sleeps
        # before looking again is asleep when the item comes, every time, however late it
        # started. (A queue this can't watch: give the thread 0.05 s to settle instead.)
        if looked is None or not looked.wait(1.0):
            time.sleep(0.05)
        ct.send("ping")
        arrived = wait_until(lambda: rec.items, 0.5)
    finally:
        _close(ct)
    assert arrived, (
        "an item took more than 0.5 s to reach the consumer: "
        "don't poll with time.sleep, block in queue.get()"
    )


@CONSUMER("returns without waiting for the consumer", deadline=6)
def test_send_returns_while_the_consumer_is_busy(student):
    """send() returns at once even while the consumer is still busy with an earlier item"""
    gate = threading.Event()
    rec = Recorder(gate=gate, gate_timeout=3.0)
    ct = _started_consumer(student, rec)
    try:
        ct.send(0)
        assert rec.entered.wait(2.0), "the first item never reached the consumer"

        def send_more():
            for i in range(1, 6):
                ct.send(i)

        # The consumer is held in send(0) for the whole watch.
        finished, value = call_with_deadline(send_more, timeout=1.5)
    finally:
        gate.set()
    if finished:
        fail_for(value, "send()")
    _close(ct, timeout=2.5)
    assert finished, (
        "send() waited while the consumer was busy with an earlier item: "
        "put the item on an unbounded queue.Queue and return"
    )


@CONSUMER("Any object can be an item")
def test_false_items_are_delivered_like_any_other(student):
    """delivers None, 0, "", False, strings and odd items like any other item"""
    gate = threading.Event()
    rec = Recorder(gate=gate, gate_timeout=2.0)
    ct = _started_consumer(student, rec)
    # EqualToAnyString() says it equals every string; the strings look like sentinels.
    items = ["first", *FALSY, EqualToAnyString(), "__STOP__", "STOP", "last"]
    for item in items:
        ct.send(item)
    got = _close_while_busy(ct, rec, gate)
    assert len(got) == len(items) and all(a is b for a, b in zip(got, items, strict=False)), (
        f"sent {safe_repr(items)} but the consumer received {safe_repr(got)}: "
        "a sentinel must be an object no caller can send (not None, not a string), best "
        "recognised with `is` (an item can answer == as it likes), and no test like `if item:`"
    )


@CONSUMER("If `consumer.send(item)` raises", weight=2)
def test_an_exception_in_the_consumer_reaches_close(student):
    """after consumer.send raises, close() closes the consumer once and raises that exception"""
    bad = object()
    closing = threading.Event()
    # consumer.close() is held for 0.5 s (see Recorder).
    rec = Recorder(fail_on=(bad,), close_gate=closing)
    # The thread is held at its very end until close() joins it (see
    # test_close_waits_until_every_queued_item_is_delivered).
    looked, joins = threading.Event(), FastJoins()
    _hold_its_thread_at_the_end(rec, looked, joins)
    ct = _started_consumer(student, rec)
    joins.watch(ct)
    for item in [1, 2, bad, 3, 4]:
        ct.send(item)

    def close_and_look():
        try:
            try:
                ct.close()
            except Exception as exc:  # noqa: BLE001 - which exception is checked below
                return exc, rec.closes_done, thread_alive(ct)
            return None, rec.closes_done, thread_alive(ct)
        finally:
            looked.set()

    try:
        value = call_student(
            close_and_look, timeout=2.5, what="close()", hint="after consumer.send raised"
        )
    finally:
        closing.set()
        looked.set()
    fail_for(value, "close()")
    exc, closes_done, alive = value
    assert rec.raised, "the consumer never got the item that makes it raise"
    assert exc is rec.raised[0], (
        f"close() should raise the RuntimeError that consumer.send raised, but it "
        f"{'returned normally' if exc is None else 'raised ' + safe_repr(exc)}: keep the "
        "exception in the thread and raise it in close()"
    )
    assert closes_done == 1, (
        f"consumer.close() had been called {closes_done} times when close() returned; "
        "close the consumer once, even after an error (try/finally)"
    )
    assert not alive, (
        "the thread was still running when close() raised: join it, rather than wait for "
        "something it does before it ends" + joins.says()
    )
    assert rec.events == ["send", "send", "raise", "close"], (
        f"the consumer saw {rec.events}: after send raises, no later item may be delivered"
    )


# --------------------------------------------------------------------------
# parallel_map


def _limit_probe(max_workers):
    """Return (func, probe): each call waits until more than `max_workers` are inside.

    With a correct limit that never happens, so every call gives up after
    0.25 s, with exactly `max_workers` inside; with no limit the peak shows.
    """
    probe = ConcurrencyProbe()

    def func(x):
        with probe:
            wait_until(lambda: probe.active > max_workers, 0.25)
        return x * 10

    return func, probe


@PMAP("The result is a list of the results in input order", weight=2)
def test_results_come_back_in_input_order(student):
    """returns a list of results in input order, even when later calls finish first"""
    n = 6
    done = [threading.Event() for _ in range(n)]
    order = []

    def func(i):
        if i + 1 < n:
            done[i + 1].wait(0.5)  # call i finishes only after call i+1
        order.append(i)
        done[i].set()
        return i * i

    results = student.parallel_map(func, range(n), n)
    # Exact types first: a list subclass can make == say anything.
    assert type(results) is list, f"parallel_map should return a list, not {type_name(results)}"
    assert same(results, [i * i for i in range(n)]), (
        f"expected {[i * i for i in range(n)]} but got {safe_repr(results)}; "
        f"the calls finished in the order {order}"
    )


@PMAP("Never more than `max_workers` calls run at the same time", weight=2)
def test_never_more_than_max_workers_at_once(student):
    """never runs more than max_workers calls at the same time"""
    func, probe = _limit_probe(3)
    results = _ints(student.parallel_map(func, range(9), 3), "parallel_map's result")
    # Sorted: the order is another test's business, and here it is left to chance.
    assert sorted(results) == [x * 10 for x in range(9)], f"wrong results: {safe_repr(results)}"
    assert probe.peak <= 3, (
        f"{probe.peak} calls ran at the same time with max_workers=3: respect the limit"
    )


@PMAP("Never more than `max_workers` calls run at the same time", weight=2)
def test_reaches_max_workers(student):
    """really runs max_workers calls at the same time when there are enough items"""
    func, probe = _limit_probe(3)
    student.parallel_map(func, range(6), 3)
    assert probe.peak >= 3, (
        f"at most {probe.peak} call(s) ran at the same time with max_workers=3: "
        "start the calls before waiting for their results"
    )
    assert probe.threads - {threading.get_ident()}, "every call ran in the calling thread"


@PMAP("raises the exception of the first failing item in input order", weight=2, deadline=6)
def test_first_exception_in_input_order_propagates(student):
    """raises the exception of the first failing item in input order"""
    one_started, later_failed, returned = threading.Event(), threading.Event(), threading.Event()
    raised = {}

    def func(i):
        if i == 1:
            one_started.set()
            # Fail after item 3 has, and only once parallel_map has returned or raised (or
            # 1.5 s have passed, which is what code that waits for every call pays): one
            # that raises the first failure in time raises item 3's, every time.
            later_failed.wait(1.0)
            returned.wait(1.5)
            raised[1] = KeyError("item 1")
            raise raised[1]
        if i == 3:
            # Fail only once item 1 has started: a call that had not started when another
            # failed may be skipped, and then item 3's would be the right exception.
            one_started.wait(1.0)
            try:
                raised[3] = ValueError("item 3")
                raise raised[3]
            finally:
                later_failed.set()
        return i

    try:
        with pytest.raises(Exception) as info:  # noqa: PT011 - the exception is checked below
            student.parallel_map(func, range(5), 5)
    finally:
        returned.set()
    # The very exception item 1 raised: a look-alike could fake its class or ==.
    assert info.value is raised.get(1), (
        "expected the KeyError of item 1 (the first failure in input order), "
        f"got {safe_repr(info.value)}"
    )


@PMAP("raises the exception of the first failing item in input order")
def test_waits_for_running_calls_before_raising(student):
    """raises only after the calls that had started have finished"""
    lock = threading.Lock()
    started, finished = set(), set()
    one_started, release = threading.Event(), threading.Event()

    def func(i):
        with lock:
            started.add(i)
        if i == 0:
            one_started.wait(1.0)  # fail while call 1 is still running
            raise ValueError("item 0")
        if i == 1:
            one_started.set()
        # Held until parallel_map has raised (or 0.6 s): one that raises at once finds
        # the other calls still held, every time.
        release.wait(0.6)
        with lock:
            finished.add(i)
        return i

    try:
        with pytest.raises(ValueError):  # noqa: PT011 - any ValueError from item 0
            student.parallel_map(func, range(3), 3)
        with lock:
            running = sorted(started - finished - {0})
    finally:
        release.set()
    assert not running, (
        f"raised while call(s) {running} were still running: "
        "join every worker before the exception leaves"
    )


@PMAP("`items` is any iterable", "No items give `[]`", deadline=5)
def test_accepts_any_iterable(student):
    """accepts any iterable, including a slow generator, and gives [] for no items"""

    def slowly(values):
        # The sleep lets other threads run while the generator is inside next():
        # a second thread calling next() then gets "generator already executing".
        for x in values:
            time.sleep(0.02)
            yield x

    values = [-1, -2, 3, -4, 5, -6, 7, -8]
    try:
        results = _ints(student.parallel_map(abs, slowly(values), 4), "parallel_map's result")
    except ValueError as exc:
        pytest.fail(
            f"parallel_map raised {safe_repr(exc)} on a generator: only one thread at a time "
            "may take items from it (read it in one thread, or hold a lock around next())",
            pytrace=False,
        )
    assert sorted(results) == sorted(abs(x) for x in values), (
        f"parallel_map(abs, a generator of {values}, 4) gave {safe_repr(results)}"
    )
    empty = student.parallel_map(abs, [], 2)
    assert same(empty, []), f"no items should give [], not {safe_repr(empty)}"


class GuardedIterator:
    """An iterator that is not safe to share: it notices two threads inside __next__ at once.

    The first __next__ waits (releasing the GIL) for a second caller to arrive, so
    workers that all take items straight from it are caught every time; a single
    reader, or readers behind a lock, never get there and only cost that wait.
    """

    def __init__(self, values):
        self.values = list(values)
        self.probe = ConcurrencyProbe()
        self.calls = 0

    def __iter__(self):
        return self

    def __next__(self):
        with self.probe:
            self.calls += 1
            if self.calls == 1:
                wait_until(lambda: self.probe.active > 1, 0.3)
            time.sleep(0.005)
            if not self.values:
                raise StopIteration
            return self.values.pop(0)


@PMAP("take items from it in one thread at a time")
def test_takes_items_from_one_thread_at_a_time(student):
    """never calls next() on the items from two threads at the same time"""
    values = list(range(8))
    items = GuardedIterator(values)
    results = call_student(student.parallel_map, abs, items, 4, timeout=2.5, what="parallel_map")
    assert items.probe.peak <= 1, (
        f"{items.probe.peak} threads were inside next() on the items at the same time: an "
        "iterator (a generator, for one) may not be shared by threads; read it in one thread, "
        "or hold a lock around next()"
    )
    fail_for(results, "parallel_map")
    results = _ints(results, "parallel_map's result")
    assert sorted(results) == values, f"parallel_map(abs, 0..7, 4) gave {safe_repr(results)}"


@PMAP("Items and results can be any objects")
def test_false_items_and_results_are_kept(student):
    """passes None, 0, "" and False on as items and keeps them as results"""
    results = student.parallel_map(lambda x: x, list(FALSY), 3)
    if type(results) is not list:
        pytest.fail(f"parallel_map should return a list, not {type_name(results)}", pytrace=False)
    # In any order: the order is another test's business, and here it is left to chance.
    assert all(type(x) in PLAIN for x in results) and Counter(map(_key, results)) == Counter(
        map(_key, FALSY)
    ), f"parallel_map(identity, {safe_repr(FALSY)}, 3) gave {safe_repr(results)}"
    nones = student.parallel_map(lambda x: None, range(5), 2)
    assert same(nones, [None] * 5), (
        f"a function that returns None for 5 items should give five Nones, not {safe_repr(nones)}"
    )


def _refuses_max_workers_below_one(mapper, name, negative):
    """`mapper` (the student's parallel_map or fail_fast_map) raises ValueError for
    max_workers below 1 without calling func, even with no items, and accepts 1."""
    calls = []
    for items, bad in (([1, 2], 0), ([1, 2], negative), ([], 0)):
        value = call_student(
            mapper,
            calls.append,
            items,
            bad,
            timeout=1.0,
            what=f"{name}(func, {items}, {bad})",
            hint="it should raise ValueError",
        )
        assert issubclass(type(value), ValueError), (
            f"{name}(func, {items}, {bad}) should raise ValueError (even with no items), "
            f"not {'return ' + safe_repr(value) if not isinstance(value, BaseException) else 'raise ' + type_name(value)}"
        )
    assert not calls, f"func was called {len(calls)} time(s) although max_workers was below 1"
    # The smallest allowed value is fine: one worker makes every call.
    value = call_student(
        mapper,
        lambda x: x * 10,
        [1, 2, 3],
        1,
        timeout=2.0,
        what=f"{name}(func, [1, 2, 3], 1)",
        hint="one worker must make every call",
    )
    fail_for(value, f"{name}(func, [1, 2, 3], 1)")
    assert same(value, [10, 20, 30]), (
        f"{name}(lambda x: x * 10, [1, 2, 3], 1) returned {safe_repr(value)}, not "
        "[10, 20, 30]: max_workers=1 is allowed (below 1 is not)"
    )


@PMAP("If `max_workers` is below 1")
def test_max_workers_below_one_is_refused(student):
    """raises ValueError for max_workers below 1, without calling func, and accepts 1"""
    _refuses_max_workers_below_one(student.parallel_map, "parallel_map", negative=-1)


@PMAP("A call that takes long holds up no other item", weight=2, deadline=5)
def test_a_slow_call_holds_up_no_other_item(student):
    """while one call is slow, the other workers go on with the next items (no batches)"""
    n = 8
    lock = threading.Lock()
    finished = set()
    others_done = threading.Event()
    seen = []

    def func(i):
        if i == 0:
            # With max_workers=2, the other worker alone should get through items 1..7
            # while this call is held (for 1.5 s at most).
            others_done.wait(1.5)
            with lock:
                seen.append(sorted(finished))
        else:
            with lock:
                finished.add(i)
                if len(finished) == n - 1:
                    others_done.set()
        return i

    results = student.parallel_map(func, range(n), 2)
    assert same(results, list(range(n))), f"wrong results: {safe_repr(results)}"
    missing = sorted(set(range(1, n)) - set(seen[0])) if seen else list(range(1, n))
    assert not missing, (
        f"while the call for item 0 was slow, item(s) {missing} never ran, although a worker "
        "was free: every worker should take the next item from one shared queue as soon as it "
        "is free (not wait for a whole batch, nor keep items dealt to a busy worker)"
    )


@PMAP("whatever order the calls finish in", weight=2, deadline=5)
def test_waits_for_a_slow_call_however_long_it_takes(student):
    """waits for a slow call however long it takes, and keeps its result"""
    joins = FastJoins()
    watched, returned = threading.Event(), threading.Event()
    slow = object()

    def func(x):
        if x is slow:
            # Any time limit on a join of this thread runs out at once: code that gives up
            # waiting after a while returns without this result, every time. Held until
            # parallel_map returns (or 1 s).
            joins.watch(threading.current_thread())
            watched.set()
            returned.wait(1.0)
        return x

    def items():
        yield slow
        watched.wait(1.0)  # every join comes after the watch
        yield from range(3)

    try:
        results = call_student(
            student.parallel_map, func, items(), 2, timeout=3.0, what="parallel_map"
        )
    finally:
        returned.set()
    fail_for(results, "parallel_map")
    if type(results) is not list:
        pytest.fail(f"parallel_map should return a list, not {type_name(results)}", pytrace=False)
    expected = [slow, 0, 1, 2]
    assert len(results) == 4 and all(a is b for a, b in zip(results, expected, strict=False)), (
        f"with a first call that takes 1 s, parallel_map returned {safe_repr(results)}: wait for "
        "every call to finish however long it takes (join with no time limit)" + joins.says()
    )


#: How long the items wait between two items, once every worker has been idle.
IDLE_GAP = 1.5


@PMAP("even one that takes its time between", deadline=6)
def test_an_iterable_that_takes_its_time_between_items(student):
    """processes every item of an iterable that waits a while between items"""
    ran, idents = [], set()

    def func(x):
        ran.append(threading.current_thread())
        idents.add(threading.get_ident())
        return x * 10

    def items():
        yield 1
        # Wait until the thread that ran item 1 has ended (for IDLE_GAP s at most): a
        # worker that quits when its queue stays empty for a while has quit by then,
        # whatever its limit, since its waits with a limit run out at once, and its
        # clock and its sleeps run a thousand times faster (an idle limit counted in
        # turns of a polling loop is used up at once too).
        wait_until(lambda: ran and not any(thread_alive(t) for t in ran), IDLE_GAP)
        yield 2
        yield 3

    with FastWaits(idents, spaces=student_spaces(student, student.parallel_map)) as waits:
        results = call_student(
            student.parallel_map, func, items(), 1, timeout=4.0, what="parallel_map"
        )
    fail_for(results, f"after a wait of {IDLE_GAP:g} s between items{waits.says()}, parallel_map")
    assert same(results, [10, 20, 30]), (
        f"parallel_map(lambda x: x * 10, items, 1) gave {safe_repr(results)} instead of "
        f"[10, 20, 30], where the items waited {IDLE_GAP:g} s after the first: a worker should "
        "wait for the next item (or a sentinel) however long it takes, not quit after a timeout"
        + waits.says()
    )


@PMAP("raises the exception of the first failing item in input order")
def test_an_exception_that_is_not_an_exception_propagates(student):
    """raises an exception derived only from BaseException, like any other"""
    _raises_the_halt(student.parallel_map, "parallel_map", range(5), workers=3, at=2)


def _pool_behind(thread):
    """Name the ready-made pool whose worker `thread` is, or return None.

    A concurrent.futures executor's workers run concurrent.futures.thread._worker,
    and multiprocessing's ThreadPool runs multiprocessing.pool.worker in
    DummyProcess threads. `_target` is read from the instance dict: a Thread
    subclass cannot hide it behind a property.
    """
    target = vars(thread).get("_target")
    module = getattr(target, "__module__", None)
    for where in (module, type(thread).__module__):
        if type(where) is str and where.startswith(("concurrent.futures", "multiprocessing")):
            return where
    return None


@PMAP("Build the workers yourself from `threading` and `queue`")
def test_runs_the_calls_in_threads_of_its_own(student):
    """runs func in worker threads it starts itself, not in a ready-made pool"""
    pools = []

    def func(x):
        where = _pool_behind(threading.current_thread())
        if where is not None:
            pools.append(where)
        return x

    results = call_student(
        student.parallel_map, func, range(6), 3, timeout=2.0, what="parallel_map(func, range(6), 3)"
    )
    fail_for(results, "parallel_map")
    assert same(results, list(range(6))), f"wrong results: {safe_repr(results)}"
    assert not pools, (
        f"func ran in a worker of {pools[0]}: this part asks you to start the worker threads "
        "yourself and feed them from a queue.Queue (the ready-made pool is Part 4's tool)"
    )


# --------------------------------------------------------------------------
# run_pipeline


def _run_pipeline(student, items, stages, workers):
    """Call run_pipeline directly: if it hangs, the harness reports where the threads are stuck."""
    return student.run_pipeline(items, stages, workers)


class Stage:
    """A pipeline stage that records each input it sees."""

    def __init__(self, func):
        self.func = func
        self.seen = []
        self.lock = threading.Lock()

    def __call__(self, x):
        with self.lock:
            self.seen.append(x)
        return self.func(x)


@PIPE(
    "An item `x` becomes",
    "Every input is processed exactly once",
    "The result is the list of outputs of the last stage",
    weight=2,
)
def test_every_input_goes_through_every_stage_once(student):
    """passes every input through every stage exactly once and returns the last outputs"""
    add, times = Stage(lambda x: x + 1), Stage(lambda x: x * 10)
    items = list(range(40))
    out = _ints(_run_pipeline(student, items, [add, times], 3), "run_pipeline's result")
    assert Counter(out) == Counter((x + 1) * 10 for x in items), (
        f"wrong outputs: expected (x + 1) * 10 for x in 0..39 (in any order), got {safe_repr(sorted(out))}"
    )
    for name, stage, expected in (("first", add, items), ("second", times, [x + 1 for x in items])):
        seen = Counter(_ints(stage.seen, f"what the {name} stage was given"))
        assert seen == Counter(expected), (
            f"the {name} stage saw {len(stage.seen)} inputs for {len(expected)} items: "
            "each input must be processed exactly once"
        )


@PIPE("Each stage has `workers_per_stage` worker threads", weight=2, deadline=5)
def test_each_stage_runs_workers_per_stage_threads(student):
    """runs exactly workers_per_stage calls of each stage at the same time"""
    workers = 3
    probes = [ConcurrencyProbe(), ConcurrencyProbe()]

    def make(probe):
        def stage(x):
            with probe:
                # Wait for more workers than allowed; a correct stage never has them.
                wait_until(lambda: probe.active > workers, 0.25)
            return x

        return stage

    out = _ints(_run_pipeline(student, range(9), [make(p) for p in probes], workers), "the result")
    assert sorted(out) == list(range(9)), f"wrong outputs: {safe_repr(sorted(out))}"
    for k, probe in enumerate(probes):
        assert probe.peak == workers, (
            f"stage {k} ran {probe.peak} call(s) at once with workers_per_stage={workers}: "
            "start that many worker threads for every stage"
        )
        assert len(probe.threads) >= workers, (
            f"stage {k} ran in {len(probe.threads)} thread(s), expected {workers}"
        )


@PIPE("Each stage has `workers_per_stage` worker threads", deadline=5)
def test_stages_run_at_the_same_time(student):
    """lets later stages work while earlier stages are still busy (a pipeline, not batches)"""
    second_started = threading.Event()
    overlapped = []
    workers = 2

    def first(x):
        if x >= workers:
            # Wait for the second stage to handle one of the first items.
            overlapped.append(second_started.wait(0.5))
        return x

    def second(x):
        second_started.set()
        return x

    out = _ints(_run_pipeline(student, range(8), [first, second], workers), "the result")
    assert sorted(out) == list(range(8)), f"wrong outputs: {safe_repr(sorted(out))}"
    assert all(overlapped), (
        "the second stage did not start until the first had finished every item: "
        "start every stage's workers before feeding the items, and connect them with queues"
    )


@PIPE("no thread it started is still running")
def test_no_thread_left_running(student):
    """leaves no thread running when it returns"""
    watch = ThreadWatch()
    out = _ints(_run_pipeline(student, range(10), [lambda x: x, lambda x: -x], 3), "the result")
    assert sorted(out) == sorted(-x for x in range(10)), f"wrong outputs: {safe_repr(sorted(out))}"
    left = watch.settle(0.3)
    assert not left, (
        f"{len(left)} thread(s) still running after run_pipeline returned "
        f"({', '.join(thread_name(t) for t in left)}): send every worker a sentinel and join it"
    )


@PIPE("If a stage raises", weight=2)
def test_an_exception_in_a_stage_reaches_the_caller(student):
    """re-raises an exception from a stage, and still shuts every thread down"""
    watch = ThreadWatch()
    picky, raised = _raising_at(7, lambda: ValueError("seven"))

    with pytest.raises(ValueError) as info:  # noqa: PT011 - the very exception is checked below
        _run_pipeline(student, range(20), [lambda x: x, picky, lambda x: x], 2)
    # The very exception the stage raised (pytest's match= would call the exception's __str__).
    assert any(info.value is exc for exc in raised), (
        f"expected the ValueError('seven') that the stage raised, got {safe_repr(info.value)}"
    )
    left = watch.settle(0.3)
    assert not left, f"{len(left)} thread(s) still running after the exception"


@PIPE("If a stage raises", weight=2)
def test_shuts_down_when_every_call_of_a_stage_fails(student):
    """shuts down cleanly even when every call of the first stage raises"""
    watch = ThreadWatch()
    raised = []
    lock = threading.Lock()

    def broken(x):
        exc = RuntimeError("broken")
        with lock:
            raised.append(exc)
        raise exc

    with pytest.raises(RuntimeError) as info:
        _run_pipeline(student, range(10), [broken, lambda x: x], 3)
    assert any(info.value is exc for exc in raised), (
        f"expected one of the RuntimeErrors the stage raised, got {safe_repr(info.value)}"
    )
    left = watch.settle(0.3)
    assert not left, f"{len(left)} thread(s) still running after the exception"


@PIPE("`stages` is a non-empty list", "The result is the list of outputs")
def test_empty_input_and_a_single_stage(student):
    """handles no items (returns []) and a pipeline of one stage"""
    watch = ThreadWatch()
    empty = _run_pipeline(student, [], [abs], 2)
    assert same(empty, []), f"no items should give [], not {safe_repr(empty)}"
    out = _ints(_run_pipeline(student, [-3, 1, -2], [abs], 2), "the result")
    assert sorted(out) == [1, 2, 3], f"abs of -3, 1, -2 gave {safe_repr(sorted(out))}"
    left = watch.settle(0.3)
    assert not left, f"{len(left)} thread(s) still running"


@PIPE("Items and the outputs of every stage can be any objects")
def test_false_items_and_outputs_flow_through(student):
    """passes None, 0, "" and False through the stages like any other value"""

    out = _run_pipeline(student, list(FALSY), [lambda x: x, lambda x: x], 2)
    if type(out) is not list:
        pytest.fail(f"run_pipeline should return a list, not {type_name(out)}", pytrace=False)
    assert all(type(x) in PLAIN for x in out) and Counter(map(_key, out)) == Counter(
        map(_key, FALSY)
    ), f"the inputs {safe_repr(FALSY)} came out as {safe_repr(out)} (in any order)"
    nones = _run_pipeline(student, range(4), [lambda x: None, lambda x: x], 2)
    assert same(nones, [None] * 4), (
        f"a first stage that returns None should give four Nones, not {safe_repr(nones)}: "
        "a sentinel must be an object no stage can return"
    )


@PIPE("If `workers_per_stage` is below 1")
def test_workers_per_stage_below_one_is_refused(student):
    """raises ValueError for workers_per_stage below 1, without starting a thread"""
    for bad in (0, -2):
        watch = ThreadWatch()
        called = []
        value = call_student(
            student.run_pipeline,
            [1, 2],
            [called.append],
            bad,
            timeout=1.0,
            what=f"run_pipeline(items, stages, {bad})",
            hint="it should raise ValueError",
        )
        assert issubclass(type(value), ValueError), (
            f"run_pipeline([1, 2], [f], {bad}) should raise ValueError, "
            f"not {'return ' + safe_repr(value) if not isinstance(value, BaseException) else 'raise ' + type_name(value)}"
        )
        assert not called, "a stage ran although workers_per_stage was below 1"
        left = watch.settle(0.3)
        assert not left, f"{len(left)} thread(s) left running by run_pipeline(..., {bad})"
    # The check comes first: no items make no exception.
    value = call_student(
        student.run_pipeline,
        [],
        [abs],
        0,
        timeout=1.0,
        what="run_pipeline([], stages, 0)",
        hint="it should raise ValueError",
    )
    assert issubclass(type(value), ValueError), (
        "run_pipeline([], [f], 0) should raise ValueError (workers_per_stage below 1 is refused "
        f"even with no items), not "
        f"{'return ' + safe_repr(value) if not isinstance(value, BaseException) else 'raise ' + type_name(value)}"
    )


@PIPE("Stages are connected by `queue.Queue`s, fed in input order", deadline=5)
def test_one_worker_per_stage_takes_the_items_in_input_order(student):
    """with one worker per stage, every stage sees the items in input order"""
    all_fed = threading.Event()

    def items():
        yield from range(12)
        all_fed.set()

    def first(x):
        if type(x) is int and x == 0:
            all_fed.wait(1.0)  # let every item queue up behind item 0
        return x

    one, two = Stage(first), Stage(lambda x: x)
    out = _ints(_run_pipeline(student, items(), [one, two], 1), "the result")
    assert sorted(out) == list(range(12)), f"wrong outputs: {safe_repr(sorted(out))}"
    for name, stage in (("first", one), ("second", two)):
        seen = _ints(stage.seen, f"what the {name} stage was given")
        assert seen == list(range(12)), (
            f"with one worker per stage the {name} stage took the items in the order {seen}: "
            "connect the stages with first-in, first-out queue.Queues"
        )


def _raises_what_a_stage_raised(student, items, stage, raised, what):
    """Run items through two stages, `stage` second; fail unless run_pipeline raises the
    exception that `stage` raised (the first one, kept in `raised`), itself."""
    value = call_student(
        student.run_pipeline,
        items,
        [lambda x: x, stage],
        2,
        timeout=2.0,
        what="run_pipeline",
        hint="a stage had raised",
    )
    assert raised and value is raised[0], (
        f"{what}, and run_pipeline should raise it, but it {_did(value)}"
    )


@PIPE("Every input is processed exactly once", "If a stage raises")
def test_a_call_that_raises_is_not_made_again(student):
    """calls a stage once for an input that makes it raise, and reports that exception"""
    watch = ThreadWatch()
    lock = threading.Lock()
    calls, raised = [], []

    def flaky(x):
        # Raises the first time it sees 3 only: a retry would succeed and hide the failure.
        with lock:
            calls.append(x)
            first = type(x) is int and x == 3 and not raised
            if first:
                raised.append(ValueError("three"))
        if first:
            raise raised[-1]
        return x

    _raises_what_a_stage_raised(
        student,
        range(6),
        flaky,
        raised,
        "the second stage raised ValueError('three') for the input 3",
    )
    threes = sum(1 for x in calls if type(x) is int and x == 3)
    assert threes == 1, (
        f"the stage was called {threes} times for the input 3: every input is processed exactly "
        "once, and a call that raises is not made again"
    )
    left = watch.settle(0.3)
    assert not left, f"{len(left)} thread(s) still running after the exception"


@PIPE("If a stage raises")
def test_a_base_exception_in_a_stage_reaches_the_caller(student):
    """re-raises an exception derived only from BaseException, and shuts every thread down"""
    watch = ThreadWatch()
    halting, raised = _raising_at(4, lambda: Halt("four"))

    _raises_what_a_stage_raised(
        student,
        range(10),
        halting,
        raised,
        "a stage raised Halt (a BaseException, not an Exception)",
    )
    left = watch.settle(0.3)
    assert not left, f"{len(left)} thread(s) still running after the exception"


# --------------------------------------------------------------------------
# fail_fast_map

FAST = Exercise("fail_fast_map")


class Starts:
    """Record which calls started and finished (by item), under a lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.started = set()
        self.finished = set()

    def start(self, i):
        with self.lock:
            self.started.add(i)

    def finish(self, i):
        with self.lock:
            self.finished.add(i)

    def running(self):
        with self.lock:
            return sorted(self.started - self.finished)


@FAST(
    "the result is a list of the results in input order", "`items` is any iterable", "No items give"
)
def test_fail_fast_results_in_input_order(student):
    """returns the results in input order, false ones included, when no call raises"""
    values = [*FALSY, 7]
    n = len(values)

    def func(i):
        time.sleep(0.04 * (n - i))  # the later items finish first
        return values[i]

    results = student.fail_fast_map(func, range(n), n)
    if type(results) is not list:
        pytest.fail(f"fail_fast_map should return a list, not {type_name(results)}", pytrace=False)
    assert len(results) == n and all(a is b for a, b in zip(results, values, strict=False)), (
        f"expected {safe_repr(values)} in input order, got {safe_repr(results)}"
    )
    empty = student.fail_fast_map(abs, iter([]), 2)
    assert same(empty, []), f"no items should give [], not {safe_repr(empty)}"


@FAST("never more than `max_workers` at the same time")
def test_fail_fast_limit_holds_and_is_reached(student):
    """runs exactly max_workers calls at the same time when there are enough items"""
    func, probe = _limit_probe(3)
    results = _ints(student.fail_fast_map(func, range(7), 3), "fail_fast_map's result")
    # Sorted: the order is another test's business, and here it is left to chance.
    assert sorted(results) == [x * 10 for x in range(7)], f"wrong results: {safe_repr(results)}"
    assert probe.peak == 3, (
        f"{probe.peak} calls ran at the same time with max_workers=3: "
        "submit the calls before waiting, and keep to the limit"
    )
    assert probe.threads - {threading.get_ident()}, "every call ran in the calling thread"


@FAST("If `max_workers` is below 1, `fail_fast_map` raises `ValueError`")
def test_fail_fast_max_workers_below_one_is_refused(student):
    """raises ValueError for max_workers below 1, without calling func, and accepts 1"""
    _refuses_max_workers_below_one(student.fail_fast_map, "fail_fast_map", negative=-3)


@FAST(
    "a call that had not started when `fail_fast_map` saw the failure never starts",
    "only after every call that had started has finished",
    weight=2,
    deadline=5,
)
def test_fail_fast_withdraws_the_queued_calls(student):
    """after a failure no queued call starts, and the running ones are waited for"""
    _withdraws_the_queued_calls(student, lambda: KeyError("item 1"))


@FAST(
    "a call that had not started when `fail_fast_map` saw the failure never starts",
    "failed first in time",
    deadline=5,
)
def test_fail_fast_withdraws_the_queued_calls_after_a_base_exception(student):
    """after a call raises a BaseException (not an Exception), no queued call starts either"""
    _withdraws_the_queued_calls(student, lambda: Halt("item 1"))


def _withdraws_the_queued_calls(student, make_exc):
    """Item 1 raises make_exc(); item 0 is still running, item 2 starts; no later item may."""
    calls = Starts()
    raised = []

    def func(i):
        calls.start(i)
        try:
            if i == 1:
                raised.append(make_exc())
                raise raised[-1]
            # Item 0 runs long; the other worker moves on to item 2 and is busy with it
            # long after the failure: item 3 and later can start only if nobody cancels.
            time.sleep(0.8 if i == 0 else 0.3)
            return i
        finally:
            calls.finish(i)

    def call_and_look():
        try:
            student.fail_fast_map(func, range(10), 2)
        except BaseException as exc:  # noqa: BLE001 - checked below
            return exc, calls.running()
        return None, calls.running()

    value = call_student(call_and_look, timeout=4.0, what="fail_fast_map", hint="a call had raised")
    exc, running = value
    assert raised and exc is raised[0], (
        f"expected the {type_name(raised[0]) if raised else 'exception'} of item 1, but fail_fast_map "
        f"{'returned normally' if exc is None else 'raised ' + safe_repr(exc)}"
    )
    assert not running, (
        f"raised while call(s) {running} were still running: wait for the calls that had "
        "started before the exception leaves"
    )
    late = sorted(calls.started - {0, 1, 2})
    assert not late, (
        f"item(s) {late} started after item 1 had raised {type_name(raised[0])}: cancel the calls "
        "that have not started as soon as a call raises any exception, even one derived only "
        "from BaseException (wait until the first exception, then cancel)"
    )


@FAST("It then raises the exception of the call that failed first in time", weight=2, deadline=5)
def test_fail_fast_raises_the_first_failure_in_time(student):
    """raises the exception that happened first, not the first in input order"""
    later_failed = threading.Event()
    raised = {}

    def func(i):
        if i == 0:
            later_failed.wait(1.0)  # item 2 fails first in time
            time.sleep(0.3)
            raised[0] = ValueError("item 0")
            raise raised[0]
        if i == 2:
            try:
                raised[2] = LookupError("item 2")
                raise raised[2]
            finally:
                later_failed.set()
        return i

    value = call_student(
        student.fail_fast_map, func, range(4), 4, timeout=3.0, what="fail_fast_map"
    )
    assert value is raised.get(2), (
        "expected the LookupError of item 2, which failed first in time, but fail_fast_map "
        f"{_did(value)}"
    )
    _raises_the_halt(student.fail_fast_map, "fail_fast_map", range(4), workers=2, at=1)
