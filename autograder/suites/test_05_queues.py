"""Hidden tests for 05_queues: ConsumerThread, parallel_map and run_pipeline.

Bad schedules are forced, not hoped for. A consumer's send() waits on a gate
so that close() is called while items are still queued; work functions wait
until more than the allowed number of calls are inside (with a fallback
deadline), so an implementation without a limit shows its peak at once; a
stage of the pipeline waits until the next stage has handled an item, which
only happens if the stages really run side by side.
"""

import threading
import time
from collections import Counter

import pytest

from autograder.suites._trust import fail_for, safe_repr, same, type_name
from autograder.testing import (
    ConcurrencyProbe,
    ThreadWatch,
    call_with_deadline,
    thread_alive,
    thread_name,
    wait_until,
)

CONSUMER = pytest.mark.exercise("consumer_thread")
PMAP = pytest.mark.exercise("parallel_map")
PIPE = pytest.mark.exercise("pipeline")


class Recorder:
    """A consumer (send/close) that records what happens to it, and from which thread.

    `gate`, if given, holds the first send() until it is set (or 0.5 s pass);
    `slow_close` makes close() take that many seconds before it counts as done.
    """

    def __init__(self, gate=None, slow_close=0.0):
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
        self.slow_close = slow_close

    def send(self, item):
        if self.gate is not None and not self.items:
            self.gate.wait(0.5)
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
        if self.slow_close:
            time.sleep(self.slow_close)
        with self.lock:
            self.closes_done += 1
            self.events.append("close")


def _started_consumer(student, consumer):
    ct = student.ConsumerThread(consumer)
    # type(), not isinstance(): a __class__ property fools isinstance.
    assert issubclass(type(ct), threading.Thread), "ConsumerThread must subclass threading.Thread"
    ct.start()
    return ct


def _close(ct, timeout=2.0):
    """Call ct.close() with a deadline; fail on what it raised."""
    finished, value = call_with_deadline(ct.close, timeout=timeout)
    if not finished:
        pytest.fail(
            f"close() did not return within {timeout:g} s: did the thread get its sentinel?",
            pytrace=False,
        )
    fail_for(value, "close()")


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


@CONSUMER
@pytest.mark.weight(2)
def test_delivers_every_item_in_order_from_its_own_thread(student):
    """passes every item to consumer.send in the order sent, from the consumer thread"""
    rec = Recorder()
    ct = _started_consumer(student, rec)
    for i in range(50):
        ct.send(i)
    _close(ct)
    assert same(rec.items, list(range(50))), (
        f"the consumer received {safe_repr(rec.items)} instead of 0, 1, 2, ..., 49 in order"
    )
    others = {thread_name(t) for t in rec.threads.values() if t is not ct}
    assert not others, (
        f"consumer.send/close were called from {sorted(others)}, not from the ConsumerThread: "
        "only the thread's run() should call the consumer"
    )


@CONSUMER
@pytest.mark.weight(2)
def test_close_waits_until_every_queued_item_is_delivered(student):
    """close() returns only after every queued item has reached the consumer"""
    gate = threading.Event()
    rec = Recorder(gate=gate)
    ct = _started_consumer(student, rec)
    for i in range(5):
        ct.send(i)

    def close_and_look():
        ct.close()
        # Look at once, before the consumer gets the chance to catch up.
        return list(rec.items), rec.closes_done, thread_alive(ct)

    try:
        finished, value = call_with_deadline(close_and_look, timeout=2.5)
    finally:
        gate.set()
    if not finished:
        pytest.fail("close() did not return within 2.5 s", pytrace=False)
    fail_for(value, "close()")
    items, closes, alive = value
    assert same(items, [0, 1, 2, 3, 4]), (
        f"close() returned when the consumer had received only {safe_repr(items)}: "
        "queue a sentinel behind the items and wait for the thread to end"
    )
    assert closes == 1, f"consumer.close() had been called {closes} times when close() returned"
    assert not alive, "the thread was still running when close() returned: join it"


@CONSUMER
@pytest.mark.weight(2)
def test_closes_the_consumer_once_after_the_last_item(student):
    """calls consumer.close() exactly once, after the last send, before close() returns"""
    rec = Recorder(slow_close=0.2)
    ct = _started_consumer(student, rec)
    for i in range(3):
        ct.send(i)

    def close_and_look():
        ct.close()
        return rec.closes_done, thread_alive(ct)

    finished, value = call_with_deadline(close_and_look, timeout=2.5)
    if not finished:
        pytest.fail("close() did not return within 2.5 s", pytrace=False)
    fail_for(value, "close()")
    closes_done, alive = value
    assert closes_done == 1, (
        "close() returned while consumer.close() was still running (or before it was called): "
        "wait for the thread itself to end, not just for the queue to empty"
    )
    assert not alive, "the thread was still running when close() returned: join it"
    time.sleep(0.05)
    assert rec.closes_started == 1, f"consumer.close() was called {rec.closes_started} times"
    assert rec.events == ["send"] * 3 + ["close"], (
        f"the consumer saw {rec.events}: close must come once, after every send"
    )


@CONSUMER
def test_items_sent_from_many_threads_all_arrive(student):
    """delivers every item exactly once when several threads send at the same time"""
    rec = Recorder()
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
        p.join(2)
    _close(ct)
    expected = Counter(k * 1000 + i for k in range(4) for i in range(100))
    got = Counter(_ints(rec.items, "what the consumer received"))
    assert got == expected, (
        f"{sum((expected - got).values())} items were lost and "
        f"{sum((got - expected).values())} delivered twice"
    )
    for k in range(4):
        mine = [x for x in rec.items if k * 1000 <= x < (k + 1) * 1000]
        assert mine == sorted(mine), "items from one sender arrived out of order"


@CONSUMER
def test_waits_for_items_without_busy_waiting(student):
    """an idle ConsumerThread blocks on its queue instead of spinning (uses no CPU)"""
    rec = Recorder()
    ct = _started_consumer(student, rec)
    try:
        ct.send("warm-up")
        assert wait_until(lambda: rec.items, 1.0), "the first item never reached the consumer"
        # The thread that really delivered the item, not whatever ct.ident claims.
        cpu = _cpu_clock(rec.first_ident)
        before_cpu, before = cpu(), time.perf_counter()
        time.sleep(0.4)
        used, wall = cpu() - before_cpu, time.perf_counter() - before
    finally:
        _close(ct)
    # A loose bound: a blocked thread uses almost nothing; a spinning one burns
    # a large share of a core even on a loaded machine.
    assert used < 0.1 * wall, (
        f"while idle for {wall:.2f} s the consumer thread used {used:.2f} s of CPU: "
        "block in queue.get() instead of polling empty()"
    )


@CONSUMER
def test_delivers_an_item_promptly(student):
    """an item sent to an idle ConsumerThread reaches the consumer within a fraction of a second"""
    rec = Recorder()
    ct = _started_consumer(student, rec)
    try:
        time.sleep(0.05)  # let the thread settle into waiting
        ct.send("ping")
        arrived = wait_until(lambda: rec.items, 0.5)
    finally:
        _close(ct)
    assert arrived, (
        "an item took more than 0.5 s to reach the consumer: "
        "don't poll with time.sleep, block in queue.get()"
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


@PMAP
@pytest.mark.weight(2)
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


@PMAP
@pytest.mark.weight(2)
def test_never_more_than_max_workers_at_once(student):
    """never runs more than max_workers calls at the same time"""
    func, probe = _limit_probe(3)
    results = student.parallel_map(func, range(9), 3)
    assert same(results, [x * 10 for x in range(9)]), f"wrong results: {safe_repr(results)}"
    assert probe.peak <= 3, (
        f"{probe.peak} calls ran at the same time with max_workers=3: respect the limit"
    )


@PMAP
@pytest.mark.weight(2)
def test_reaches_max_workers(student):
    """really runs max_workers calls at the same time when there are enough items"""
    func, probe = _limit_probe(3)
    student.parallel_map(func, range(6), 3)
    assert probe.peak >= 3, (
        f"at most {probe.peak} call(s) ran at the same time with max_workers=3: "
        "submit the calls before waiting for their results"
    )
    assert probe.threads - {threading.get_ident()}, "every call ran in the calling thread"


@PMAP
@pytest.mark.weight(2)
def test_first_exception_in_input_order_propagates(student):
    """raises the exception of the first failing item in input order"""
    later_failed = threading.Event()
    raised = {}

    def func(i):
        if i == 1:
            # Fail well after item 3 has: its failure comes first in time.
            later_failed.wait(1.0)
            time.sleep(0.2)
            raised[1] = KeyError("item 1")
            raise raised[1]
        if i == 3:
            try:
                raised[3] = ValueError("item 3")
                raise raised[3]
            finally:
                later_failed.set()
        return i

    with pytest.raises(Exception) as info:  # noqa: PT011 - the exception is checked below
        student.parallel_map(func, range(5), 5)
    # The very exception item 1 raised: a look-alike could fake its class or ==.
    assert info.value is raised.get(1), (
        "expected the KeyError of item 1 (the first failure in input order), "
        f"got {safe_repr(info.value)}"
    )


@PMAP
def test_waits_for_running_calls_before_raising(student):
    """raises only after the calls that had started have finished"""
    lock = threading.Lock()
    started, finished = set(), set()
    one_started = threading.Event()

    def func(i):
        with lock:
            started.add(i)
        if i == 0:
            one_started.wait(1.0)  # fail while call 1 is still running
            raise ValueError("item 0")
        if i == 1:
            one_started.set()
        time.sleep(0.2)
        with lock:
            finished.add(i)
        return i

    with pytest.raises(ValueError):  # noqa: PT011 - any ValueError from item 0
        student.parallel_map(func, range(3), 3)
    with lock:
        running = sorted(started - finished - {0})
    assert not running, (
        f"raised while call(s) {running} were still running: "
        "shut the executor down (a `with` block does) before the exception leaves"
    )


@PMAP
def test_accepts_any_iterable(student):
    """accepts any iterable, including a generator, and gives [] for no items"""
    results = student.parallel_map(abs, (x for x in [-1, -2, 3]), 2)
    assert same(results, [1, 2, 3]), (
        f"parallel_map(abs, a generator of -1, -2, 3, 2) gave {safe_repr(results)}"
    )
    empty = student.parallel_map(abs, [], 2)
    assert same(empty, []), f"no items should give [], not {safe_repr(empty)}"


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


@PIPE
@pytest.mark.weight(2)
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


@PIPE
@pytest.mark.weight(2)
@pytest.mark.deadline(5)
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


@PIPE
@pytest.mark.deadline(5)
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


@PIPE
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


@PIPE
@pytest.mark.weight(2)
def test_an_exception_in_a_stage_reaches_the_caller(student):
    """re-raises an exception from a stage, and still shuts every thread down"""
    watch = ThreadWatch()
    raised = []

    def picky(x):
        if type(x) is int and x == 7:
            raised.append(ValueError("seven"))
            raise raised[-1]
        return x

    with pytest.raises(ValueError) as info:  # noqa: PT011 - the very exception is checked below
        _run_pipeline(student, range(20), [lambda x: x, picky, lambda x: x], 2)
    # The very exception the stage raised (pytest's match= would call the exception's __str__).
    assert any(info.value is exc for exc in raised), (
        f"expected the ValueError('seven') that the stage raised, got {safe_repr(info.value)}"
    )
    left = watch.settle(0.3)
    assert not left, f"{len(left)} thread(s) still running after the exception"


@PIPE
@pytest.mark.weight(2)
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


@PIPE
def test_empty_input_and_a_single_stage(student):
    """handles no items (returns []) and a pipeline of one stage"""
    watch = ThreadWatch()
    empty = _run_pipeline(student, [], [abs], 2)
    assert same(empty, []), f"no items should give [], not {safe_repr(empty)}"
    out = _ints(_run_pipeline(student, [-3, 1, -2], [abs], 2), "the result")
    assert sorted(out) == [1, 2, 3], f"abs of -3, 1, -2 gave {safe_repr(sorted(out))}"
    left = watch.settle(0.3)
    assert not left, f"{len(left)} thread(s) still running"
