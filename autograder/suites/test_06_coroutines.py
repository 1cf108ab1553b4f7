"""Hidden tests for 06_coroutines: @coroutine, grep, broadcast, gather_limited, producer_consumer.

The generator tests drive the student's coroutines with targets that record
every call. The asyncio tests are `async def`: the harness runs each one with
asyncio.run in a fresh worker thread, so they work whether or not the
kernel's own event loop is running. Concurrency is measured with counters the
test owns: a call waits (with a deadline) until more calls than allowed are
running, so a missing limit shows at once and a correct one costs a fraction
of a second. Every await on student code has its own timeout, so a hang is
reported in words, not as a bare TimeoutError.
"""

import asyncio
import inspect
import types

import pytest

from autograder.suites._trust import fail_for, safe_repr, same, same_items, type_name
from autograder.testing import Exercise

CORO = Exercise("coroutine")
GREP = Exercise("grep")
BCAST = Exercise("broadcast")
GATHER = Exercise("gather_limited")
PC = Exercise("async_producer_consumer")

UNTESTED = {
    "broadcast": {
        "The tests don't cover targets that raise.": (
            "a promise of what is not tested: there is nothing for a test to check"
        ),
    },
    "wallet": {
        "You may assume that the wallet is used by tasks of one event loop": (
            "an assumption granted to the student: every test uses one loop and plain audits"
        ),
    },
    "borrow": {
        "The tests don't cover a `pool.release` that raises.": (
            "a promise of what is not tested: there is nothing for a test to check"
        ),
    },
    "async_producer_consumer": {
        "`handle` is an `async def` function of one argument.": (
            "an assumption granted to the student: every test passes such a function"
        ),
    },
}


class Sink:
    """A consumer (send/close) that records what it gets, optionally into a shared log."""

    def __init__(self, name="sink", log=None):
        self.name = name
        self.items = []
        self.closes = 0
        self.log = log if log is not None else []

    def send(self, item):
        self.items.append(item)
        self.log.append((self.name, item))

    def close(self):
        self.closes += 1
        self.log.append((self.name, "<closed>"))


def generator_sink(items, events):
    """Return a primed generator that appends what it receives, and notes when it is closed."""

    def gen():
        try:
            while True:
                items.append((yield))
        except GeneratorExit:
            events.append("closed")
            raise

    g = gen()
    next(g)
    return g


def _check_generator(obj, what):
    # type(), not inspect.isgenerator(): that is isinstance(), which a __class__ property fools.
    assert type(obj) is types.GeneratorType, (
        f"{what} should return a generator (decorated with @coroutine), not {type_name(obj)}"
    )


def _send(gen, item, what):
    try:
        return gen.send(item)
    except Exception as exc:  # noqa: BLE001 - reported without calling the exception's __str__
        args = BaseException.args.__get__(exc)
        if (
            type(exc) is TypeError
            and args
            and type(args[0]) is str
            and "just-started generator" in args[0]
        ):
            pytest.fail(
                f"{what} was not primed: decorate it with @coroutine so that it is "
                "advanced to its first yield",
                pytrace=False,
            )
        fail_for(exc, f"{what}.send({safe_repr(item, 40)})")


def _got(sink_items, expected, what):
    """Fail unless a target received exactly `expected` (exact types: no look-alikes)."""
    assert same(sink_items, expected), f"{what} got {safe_repr(sink_items)}, expected {expected}"


# --------------------------------------------------------------------------
# @coroutine


@CORO("creates the generator, advances it to its first", weight=2)
def test_decorated_generator_is_primed(student):
    """calling a decorated generator function runs it up to its first yield, exactly once"""
    log = []

    @student.coroutine
    def echo():
        log.append("started")
        while True:
            log.append((yield))

    gen = echo()
    _check_generator(gen, "a function decorated with @coroutine")
    assert same(log, ["started"]), (
        f"after creation the generator had logged {safe_repr(log)}; expected ['started']: "
        "call next() on it once (and only once) before returning it"
    )
    _send(gen, 1, "the decorated generator")
    _send(gen, 2, "the decorated generator")
    assert same(log, ["started", 1, 2]), (
        f"expected ['started', 1, 2], the generator logged {safe_repr(log)}"
    )


@CORO("takes the same positional and keyword arguments")
def test_passes_positional_and_keyword_arguments(student):
    """passes every positional and keyword argument on to the generator function"""
    seen = []

    @student.coroutine
    def taker(a, b, *, scale=1):
        seen.append((a, b, scale))
        while True:
            yield

    taker(1, b=2, scale=3)
    taker(4, 5)
    assert same(seen, [(1, 2, 3), (4, 5, 1)]), (
        f"the generator function was called with {safe_repr(seen)}"
    )


@CORO("keeps the name and docstring")
def test_keeps_the_name_and_docstring(student):
    """keeps the decorated function's name and docstring (functools.wraps)"""

    @student.coroutine
    def printer():
        """Print what it receives."""
        while True:
            yield

    # Exact strs: a str subclass could make == say yes.
    name, doc = printer.__name__, printer.__doc__
    assert same(name, "printer"), (
        f"the decorated function is called {safe_repr(name)}: use functools.wraps"
    )
    assert same(doc, "Print what it receives."), "the docstring was lost: functools.wraps"


@CORO("creates the generator, advances it")
def test_each_call_gives_a_new_generator(student):
    """gives a fresh, independent generator on every call"""

    @student.coroutine
    def counter():
        n = 0
        while True:
            n += yield n

    a, b = counter(), counter()
    _check_generator(a, "a function decorated with @coroutine")
    assert a is not b, "two calls returned the same generator"
    got = _send(a, 5, "the decorated generator")
    assert same(got, 5), f"the first generator yielded {safe_repr(got)} after send(5), not 5"
    got = _send(b, 1, "the decorated generator")
    assert same(got, 1), "the two generators share state"


@CORO("creates the generator, advances it to its first")
def test_returns_the_generator_itself(student):
    """returns the generator that func made, not a wrapper: throw() and return reach func's code"""

    def summer():
        total = 0
        while True:
            try:
                n = yield total
            except KeyError:
                n = 100  # a thrown exception reaches this generator's own code
            if n is None:
                return total
            total += n

    gen = student.coroutine(summer)()
    _check_generator(gen, "a function decorated with @coroutine")
    code = gen.gi_code
    assert code is summer.__code__, (
        f"the generator returned runs the code of {safe_repr(code.co_name)}, not of summer: "
        "return the generator that func(*args, **kwargs) made, not a generator wrapped around it"
    )
    _send(gen, 2, "the decorated generator")
    try:
        got = gen.throw(KeyError("thrown in"))
    except KeyError:
        pytest.fail(
            "gen.throw(KeyError()) did not reach the generator function's own code: "
            "return the generator itself, not a wrapper around it",
            pytrace=False,
        )
    assert same(got, 102), f"after throw() the generator yielded {safe_repr(got)}, not 102"
    try:
        gen.send(None)
    except StopIteration as stop:
        value = stop.value
    except Exception as exc:  # noqa: BLE001 - reported without calling the exception's __str__
        fail_for(exc, "send(None) to a generator that returns a value")
    else:
        pytest.fail("the generator did not return when summer returned", pytrace=False)
    assert same(value, 102), (
        f"the generator's return value came back as {safe_repr(value)}, not 102: "
        "return the generator itself"
    )


# --------------------------------------------------------------------------
# grep


LINES = [
    "import asyncio",
    "# python is fun",
    "print('hello')",
    "a pythonic line",
    "nothing here",
    "py",
]


def _grepped(student, pattern, lines):
    """Send `lines` through grep(pattern, target): return what the target got while grep
    was still running, and the lines that hold `pattern` (what it should have got).

    The copy is taken while the generator is alive: once this returns it is garbage, and
    closing it could still send what a wrong grep kept back.
    """
    sink = Sink()
    g = student.grep(pattern, sink)
    for line in lines:
        _send(g, line, "grep")
    got = list(sink.items)
    del g
    return got, [line for line in lines if pattern in line]


@GREP("`grep` is a generator coroutine", "other lines are dropped", weight=2)
def test_sends_matching_lines_in_order(student):
    """passes on exactly the lines that contain the pattern, unchanged and in order"""
    sink = Sink()
    g = student.grep("py", sink)
    _check_generator(g, "grep(pattern, target)")
    for line in LINES:
        _send(g, line, "grep")
    expected = [line for line in LINES if "py" in line]
    _got(sink.items, expected, "the target")


@GREP("before `g.send(line)` returns")
def test_passes_each_line_on_at_once(student):
    """passes a matching line to the target before send() returns"""
    sink = Sink()
    g = student.grep("err", sink)
    _send(g, "error: disk full", "grep")
    assert same(sink.items, ["error: disk full"]), (
        "the target had not received the line when send() returned: "
        "call target.send(line) right away instead of keeping lines for later"
    )
    _send(g, "all good", "grep")
    _send(g, "another error", "grep")
    _got(sink.items, ["error: disk full", "another error"], "the target")


@GREP("Closing `g` closes `target` exactly once", "Nothing closes `target` before that", weight=2)
def test_closing_grep_closes_the_target_once(student):
    """closing grep closes its target, exactly once, and not before"""
    sink = Sink()
    g = student.grep("a", sink)
    _send(g, "abc", "grep")
    assert sink.closes == 0, "the target was closed while grep was still running"
    g.close()
    assert sink.closes == 1, (
        f"after grep.close() the target had been closed {sink.closes} times: "
        "catch GeneratorExit (or use finally) and close the target once"
    )


@GREP("Closing `g` closes `target` exactly once")
def test_closes_a_generator_target(student):
    """works with a generator coroutine as its target, and closes it"""
    items, events = [], []
    g = student.grep("x", generator_sink(items, events))
    for line in ["x1", "y2", "x3"]:
        _send(g, line, "grep")
    g.close()
    _got(items, ["x1", "x3"], "the generator target")
    assert events == ["closed"], "the generator target was not closed when grep was closed"


@GREP("A line matches when `pattern in line`")
def test_pattern_is_plain_text(student):
    """matches the pattern as plain text anywhere in the line (`pattern in line`)"""
    got, _ = _grepped(student, "a.c", ["abc", "a.c", "xx a.c yy", "A.C"])
    assert same(got, ["a.c", "xx a.c yy"]), (
        f"with pattern 'a.c' the target got {safe_repr(got)}; expected ['a.c', 'xx a.c yy']: "
        "test `pattern in line` (plain text, case-sensitive, anywhere in the line)"
    )


@GREP("A line matches when `pattern in line`")
@pytest.mark.parametrize(
    ("pattern", "lines"),
    [
        pytest.param("[x]?*", ["[x]?*", "xy", "a [x]?* b", "[x]", "x?"], id="glob characters"),
        pytest.param("", ["", "x", "\n", " "], id="empty pattern"),
    ],
)
def test_special_patterns_match_as_plain_text(student, pattern, lines):
    """matches every pattern as plain text: glob characters and the empty pattern included"""
    got, expected = _grepped(student, pattern, lines)
    assert same(got, expected), (
        f"with pattern {safe_repr(pattern)} the target got {safe_repr(got)}, expected "
        f"{safe_repr(expected)}: a line matches exactly when `pattern in line`, so no character "
        "of the pattern is special, and the empty pattern is in every line, even the empty one"
    )


@GREP("passed, unchanged", "A line matches when `pattern in line`")
def test_lines_pass_unchanged_with_their_whitespace(student):
    """passes lines on unchanged: newlines, tabs and leading spaces included"""
    lines = ["  err: indented\n", "\terr\tx\n", "\n", "no match \n", "err", " err "]
    got, expected = _grepped(student, "err", lines)
    assert same(got, expected), (
        f"the target got {safe_repr(got)}, expected {safe_repr(expected)}: pass each "
        "matching line on exactly as it came, without stripping or splitting it"
    )


@GREP("A line matches when `pattern in line`")
def test_pattern_with_spaces_and_an_empty_line(student):
    """matches a pattern that holds spaces, and tests the whole line, blanks and all"""
    lines = ["go to bed", "to be", "  to  ", "", "onto it", "back to\n"]
    got, expected = _grepped(student, " to ", lines)
    assert same(got, expected), (
        f"with pattern ' to ' the target got {safe_repr(got)}, expected {safe_repr(expected)}"
    )


# --------------------------------------------------------------------------
# broadcast


@BCAST("`broadcast` is a generator coroutine", "Each item is sent to every target", weight=2)
def test_every_target_gets_every_item(student):
    """sends every item to every target, in order"""
    sinks = [Sink(f"t{i}") for i in range(3)]
    b = student.broadcast(sinks)
    _check_generator(b, "broadcast(targets)")
    for item in ["a", "b", "c", 4]:
        _send(b, item, "broadcast")
    for s in sinks:
        _got(s.items, ["a", "b", "c", 4], f"target {s.name}")


@BCAST("in the order of `targets`")
def test_targets_are_served_in_list_order(student):
    """for each item, serves the targets in list order before taking the next item"""
    log = []
    sinks = [Sink(f"t{i}", log) for i in range(3)]
    b = student.broadcast(sinks)
    _send(b, "x", "broadcast")
    _send(b, "y", "broadcast")
    expected = [(f"t{i}", item) for item in "xy" for i in range(3)]
    assert same(log, expected), (
        f"the targets were called in the order {safe_repr(log)}, expected {expected}"
    )


@BCAST(
    "Closing `b` closes every target exactly once", "Nothing closes a target before that", weight=2
)
def test_closing_broadcast_closes_every_target_once(student):
    """closing broadcast closes every target exactly once, and not before"""
    sinks = [Sink(f"t{i}") for i in range(3)]
    b = student.broadcast(sinks)
    _send(b, 1, "broadcast")
    assert all(s.closes == 0 for s in sinks), "a target was closed while broadcast was running"
    b.close()
    closes = {s.name: s.closes for s in sinks}
    assert all(n == 1 for n in closes.values()), (
        f"after broadcast.close() the targets had been closed {closes} times; expected once each"
    )


@BCAST("Each item is sent to every target")
def test_none_and_falsy_items_are_sent_too(student):
    """sends every item to every target: None, 0, '' and False included"""
    sinks = [Sink(f"t{i}") for i in range(2)]
    b = student.broadcast(sinks)
    items = [None, 0, "", False, None, "end"]
    for item in items:
        _send(b, item, "broadcast")
    for s in sinks:
        assert same(s.items, items), (
            f"target {s.name} got {safe_repr(s.items)}, expected {safe_repr(items)}: every "
            "item sent to broadcast is an item, None included (the priming is done by @coroutine)"
        )


@BCAST("Closing `b` closes every target exactly once")
@pytest.mark.parametrize("kind", ["list", "generator"])
def test_closing_before_any_item_closes_every_target(student, kind):
    """closing a broadcast that was sent nothing still closes every target once"""
    sinks = [Sink(f"t{i}") for i in range(3)]
    b = student.broadcast(list(sinks) if kind == "list" else (s for s in sinks))
    b.close()
    closes = {s.name: s.closes for s in sinks}
    assert all(n == 1 for n in closes.values()), (
        f"closing a broadcast before sending it anything closed the targets {closes} times; "
        "expected once each: read the targets when broadcast starts, not on the first item"
    )


@BCAST("`targets` is any iterable of targets")
def test_accepts_any_iterable_of_targets(student):
    """accepts any iterable of targets, e.g. a generator expression, and reads it once"""
    sinks = [Sink(f"t{i}") for i in range(2)]
    b = student.broadcast(s for s in sinks)
    for item in [1, 2, 3]:
        _send(b, item, "broadcast")
    b.close()
    for s in sinks:
        assert same(s.items, [1, 2, 3]), (
            f"target {s.name} got {safe_repr(s.items)}: a generator of targets can be read only once, "
            "so turn it into a list first"
        )
        assert s.closes == 1, f"target {s.name} was closed {s.closes} times"


@BCAST("Closing `b` closes every target exactly once")
def test_mixes_generator_and_object_targets(student):
    """works with generator coroutines and send/close objects side by side"""
    items, events = [], []
    sink = Sink()
    b = student.broadcast([generator_sink(items, events), sink])
    _send(b, "hello", "broadcast")
    b.close()
    assert same(items, ["hello"]) and same(sink.items, ["hello"]), (
        "both targets should get the item"
    )
    assert events == ["closed"] and sink.closes == 1, "both targets should be closed"


# --------------------------------------------------------------------------
# gather_limited and producer_consumer: helpers


async def _within(awaitable, seconds, what):
    """Await with a deadline; turn a timeout into a message for the student."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        pytest.fail(
            f"{what} did not finish within {seconds:g} s: is something waiting for ever, "
            "or is a blocking call (like time.sleep) stalling the event loop?",
            pytrace=False,
        )


def _tasks():
    """Return the unfinished tasks of the running loop, by id (a Task subclass may fake hash)."""
    return {id(t): t for t in asyncio.all_tasks()}


def _new_tasks(before):
    """Return the unfinished tasks that did not exist in `before` (other than this one)."""
    me = asyncio.current_task()
    return [t for key, t in _tasks().items() if key not in before and t is not me]


def _results(results, what):
    """Fail unless `results` is a list, as the contracts say; return it."""
    if type(results) is not list:
        pytest.fail(f"{what} should return a list, not {type_name(results)}", pytrace=False)
    return results


def _check_async(student, name):
    func = getattr(student, name)
    # A real function first: inspect's check is fooled by a __class__ property and a fake __code__.
    assert type(func) is types.FunctionType and inspect.iscoroutinefunction(func), (
        f"{name} must be defined with `async def`"
    )
    return func


class Crowd:
    """Count the calls inside at once; each waits (0.25 s at most) for more than `limit`.

    With a correct limit there are never more, so each call gives up after
    0.25 s with exactly `limit` inside; without a limit the peak shows at once.
    Create it inside the running loop.
    """

    def __init__(self, limit):
        self.limit = limit
        self.active = 0
        self.peak = 0
        self.crowded = asyncio.Event()

    async def visit(self, value):
        self.active += 1
        self.peak = max(self.peak, self.active)
        if self.active > self.limit:
            self.crowded.set()
        try:
            await asyncio.wait_for(self.crowded.wait(), 0.25)
        except TimeoutError:
            pass
        finally:
            self.active -= 1
        return value


# --------------------------------------------------------------------------
# gather_limited


async def _raised_by(gather_limited, calls):
    """What ``gather_limited(calls, 2)`` raises within 2.5 s (fail if it returns)."""
    with pytest.raises(Exception) as info:  # noqa: PT011 - the caller checks the exception
        await _within(gather_limited(calls, 2), 2.5, "gather_limited")
    return info.value


# its own waits (up to 2.5 s) decide, never the deadline
@GATHER(
    "`gather_limited` is an `async def` function",
    "in the order of `factories`",
    weight=2,
    deadline=5,
)
async def test_results_come_back_in_input_order(student):
    """returns the results in input order, even when later calls finish first"""
    gather_limited = _check_async(student, "gather_limited")
    n = 6
    done = [asyncio.Event() for _ in range(n)]
    order = []

    async def call(i):
        if i + 1 < n:
            try:
                await asyncio.wait_for(done[i + 1].wait(), 0.5)  # finish after call i+1
            except TimeoutError:
                pass
        order.append(i)
        done[i].set()
        return i * i

    factories = [lambda i=i: call(i) for i in range(n)]
    results = await _within(gather_limited(factories, n), 2.5, "gather_limited")
    # Exact types first: a list subclass can make == say anything.
    _results(results, "gather_limited")
    assert same(results, [i * i for i in range(n)]), (
        f"expected {[i * i for i in range(n)]}, got {safe_repr(results)}; "
        f"the calls finished in the order {order}"
    )


@GATHER("At most `limit` calls run at the same time", weight=2)
async def test_never_more_than_limit_at_once(student):
    """never runs more than `limit` calls at the same time"""
    gather_limited = _check_async(student, "gather_limited")
    probe = Crowd(3)
    # Six calls: even one at a time (6 x 0.25 s) they end well within the deadline, so a
    # solution that serialises them is judged on its limit here, never on a loaded machine.
    results = await _within(
        gather_limited([lambda i=i: probe.visit(i) for i in range(6)], 3), 2.5, "gather_limited"
    )
    assert same(results, list(range(6))), f"wrong results: {safe_repr(results)}"
    assert probe.peak <= 3, f"{probe.peak} calls ran at the same time with limit=3"


@GATHER("that many do run at the same time", weight=2)
async def test_reaches_the_limit(student):
    """really runs `limit` calls at the same time when there are enough of them"""
    gather_limited = _check_async(student, "gather_limited")
    probe = Crowd(3)
    await _within(
        gather_limited([lambda i=i: probe.visit(i) for i in range(6)], 3), 2.5, "gather_limited"
    )
    assert probe.peak >= 3, (
        f"at most {probe.peak} call(s) ran at the same time with limit=3: start the calls as "
        "tasks and let a Semaphore(limit) hold back the rest"
    )


@GATHER("after cancelling every other call", weight=2)
async def test_failure_propagates_and_cancels_the_rest(student):
    """raises a failing call's exception itself, and cancels every other call first"""
    gather_limited = _check_async(student, "gather_limited")
    running = set()
    cancelled = []

    async def sleeper(i):
        running.add(i)
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise
        finally:
            running.discard(i)
        return i

    raised = []

    async def failing():
        await asyncio.sleep(0.01)
        raised.append(ValueError("call 1 failed"))
        raise raised[-1]

    factories = [lambda: sleeper(0), failing, lambda: sleeper(2), lambda: sleeper(3)]
    before = _tasks()
    caught = None
    try:
        await _within(gather_limited(factories, 3), 1.5, "gather_limited")
    except ValueError as exc:
        caught = exc
    except BaseExceptionGroup as group:
        pytest.fail(
            f"raised {type_name(group)} {safe_repr(group)}: raise the exception itself, "
            "not a group that wraps it",
            pytrace=False,
        )
    else:
        pytest.fail("call 1 raised ValueError, but gather_limited did not", pytrace=False)
    # The very exception call 1 raised, not a look-alike.
    assert raised and caught is raised[0], (
        f"expected the ValueError that call 1 raised, got {safe_repr(caught)}"
    )
    assert not running, (
        f"call(s) {sorted(running)} were still running when gather_limited raised: "
        "cancel the remaining tasks (and wait for them) before raising"
    )
    left = _new_tasks(before)
    assert not left, f"{len(left)} task(s) were still pending when gather_limited raised"


@GATHER("the first one to be raised, in time", "an `async def` function with no parameters")
async def test_raises_the_first_failure_in_time(student):
    """raises the exception of the call that failed first in time"""
    gather_limited = _check_async(student, "gather_limited")
    second_failed = asyncio.Event()
    raised = {}

    async def late():
        await asyncio.wait_for(second_failed.wait(), 1.0)
        await asyncio.sleep(0.05)
        raised[0] = KeyError("call 0, later")
        raise raised[0]

    async def early():
        await asyncio.sleep(0)
        second_failed.set()
        raised[1] = ValueError("call 1, first")
        raise raised[1]

    error = await _raised_by(gather_limited, [late, early])
    # The very exception call 1 raised: a look-alike could fake its class or ==.
    assert error is raised.get(1), (
        f"expected the ValueError of call 1, which failed first, got {safe_repr(error)}"
    )


# its own waits (up to 2.5 s) decide, never the deadline
@GATHER("the first one to be raised, in time", deadline=5)
async def test_an_error_raised_while_being_cancelled_does_not_win(student):
    """raises the first failure, not an error that an earlier call raises later as it is cancelled"""
    gather_limited = _check_async(student, "gather_limited")
    started = asyncio.Event()
    raised = {}

    async def stubborn():
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            # Its clean-up fails: a second error, raised after call 1's.
            raised[0] = KeyError("call 0, raised later, while being cancelled")
            raise raised[0] from None
        return 0

    async def failing():
        await asyncio.wait_for(started.wait(), 1.0)
        raised[1] = ValueError("call 1, raised first")
        raise raised[1]

    error = await _raised_by(gather_limited, [stubborn, failing])
    assert error is raised.get(1), (
        f"expected the ValueError of call 1, which was raised first, got {safe_repr(error)}: "
        "call 0 raised its KeyError only later, while it was being cancelled. Keep the first "
        "exception in time, not the one of the lowest index"
    )


class _StoppedClock:
    """Stop the running loop's clock: no timer with a delay comes due until the end.

    Callbacks (call_soon, sleep(0), a finished task waking its waiter) still run,
    so whatever happens "at once" happens while the clock stands still; anything
    that waits for a timer (a sleep(0.01) poll, a pause) waits until the end.
    """

    def __init__(self):
        self.loop = asyncio.get_running_loop()

    def __enter__(self):
        now = self.loop.time()
        self.loop.time = lambda: now
        return self

    def __exit__(self, *exc_info):
        del self.loop.time


@GATHER("frees its slot for the next factory at once", weight=2, deadline=4)
async def test_a_finished_call_frees_its_slot_before_any_time_passes(student):
    """calls the next factory as soon as a call finishes, without waiting for a timer"""
    gather_limited = _check_async(student, "gather_limited")
    gates = [asyncio.Event(), asyncio.Event()]
    running = [asyncio.Event(), asyncio.Event()]
    called = []

    async def held(i):
        running[i].set()
        await asyncio.wait_for(gates[i].wait(), 2.5)
        return i

    def factory(i):
        called.append(i)
        return held(i) if i < 2 else asyncio.sleep(0, i)

    run = asyncio.ensure_future(gather_limited([lambda i=i: factory(i) for i in range(4)], 2))
    try:
        await _within(running[0].wait(), 1.0, "call 0")
        await _within(running[1].wait(), 1.0, "call 1")
        with _StoppedClock():
            for _ in range(5):
                await asyncio.sleep(0)  # let any timer that was already due run now
            before = list(called)
            gates[1].set()  # call 1 finishes; call 0 goes on running
            for _ in range(20):
                await asyncio.sleep(0)  # loop turns, with no time passing
            after = list(called)
    finally:
        gates[0].set()
        gates[1].set()
    results = await _within(run, 2.0, "gather_limited")
    assert same(results, [0, 1, 2, 3]), f"wrong results: {safe_repr(results)}"
    assert before == [0, 1], (
        f"with limit=2 the factories {before} were called before a call finished"
    )
    assert 2 in after, (
        "with limit=2, call 1 finished while call 0 went on running, but factory 2 was not "
        "called until some time had passed: a finished call must free its slot at once "
        "(a Semaphore around each call, or a worker that takes the next factory), not after "
        "a sleep or a poll"
    )


@GATHER("no factories give `[]`")
async def test_no_calls_gives_an_empty_list(student):
    """returns [] for no factories"""
    gather_limited = _check_async(student, "gather_limited")
    results = await _within(gather_limited([], 2), 1.0, "gather_limited")
    assert same(results, []), f"no factories should give [], not {safe_repr(results)}"


# its own waits (up to 3 s) decide, never the deadline
@GATHER("frees its slot for the next factory at once", weight=2, deadline=6)
async def test_starts_the_next_call_as_soon_as_any_finishes(student):
    """starts the next call as soon as any call finishes, not when a whole batch has"""
    gather_limited = _check_async(student, "gather_limited")
    fourth_started = asyncio.Event()
    log = []

    async def slow():
        # Finishes only once call 3 has started: a batch of three would wait here in vain.
        try:
            await asyncio.wait_for(fourth_started.wait(), 1.5)
        except TimeoutError:
            log.append("gave up")
        log.append("slow done")
        return "slow"

    async def quick(i):
        if i == 3:
            fourth_started.set()
        log.append(f"quick {i}")
        await asyncio.sleep(0)
        return i

    factories = [slow] + [lambda i=i: quick(i) for i in range(1, 6)]
    results = await _within(gather_limited(factories, 3), 3.0, "gather_limited")
    assert same(results, ["slow", 1, 2, 3, 4, 5]), f"wrong results: {safe_repr(results)}"
    assert "gave up" not in log, (
        "with limit=3, call 3 did not start while call 0 was still running, though calls 1 and 2 "
        "had finished: a free slot must be used at once (a Semaphore around each call, or a pool "
        "of workers), not only when the whole batch is done"
    )


@GATHER(
    "A factory is called only when a slot is free",
    "held to the limit too",
    "called at most once",
    weight=2,
)
async def test_factories_that_start_at_once_are_limited_too(student):
    """calls a factory only when a slot is free, so factories returning tasks are limited too"""
    gather_limited = _check_async(student, "gather_limited")
    limit, n = 3, 10
    calls = [0] * n
    state = {"called": 0, "finished": 0, "worst": 0}

    async def work(i):
        await asyncio.sleep(0.005 * (i % 3))
        state["finished"] += 1
        return None if i % 2 else i

    def factory(i):
        calls[i] += 1
        state["called"] += 1
        state["worst"] = max(state["worst"], state["called"] - state["finished"])
        return asyncio.ensure_future(work(i))  # the work starts now, not when awaited

    results = await _within(
        gather_limited([lambda i=i: factory(i) for i in range(n)], limit), 2.5, "gather_limited"
    )
    assert calls == [1] * n, f"the factories were called {calls} times; each should be called once"
    assert same(results, [None if i % 2 else i for i in range(n)]), (
        f"wrong results: {safe_repr(results)}"
    )
    assert state["worst"] <= limit, (
        f"{state['worst']} calls were under way at once with limit={limit}: a factory may start "
        "its work as soon as it is called (it may return a Task), so call it only once a slot "
        "is free, not all of them up front"
    )


@GATHER("It returns a list of the results")
async def test_falsy_results_come_back_as_they_are(student):
    """returns every result as it is: None, 0, '' and False included, in a real list"""
    gather_limited = _check_async(student, "gather_limited")
    values = [None, 0, "", False, [], 7]

    async def give(v):
        await asyncio.sleep(0)
        return v

    results = await _within(
        gather_limited([lambda v=v: give(v) for v in values], 2), 2.0, "gather_limited"
    )
    _results(results, "gather_limited")
    assert same(results, values), f"expected {values}, got {safe_repr(results)}"


# --------------------------------------------------------------------------
# producer_consumer


def _recording_handle(delay=0.0):
    """Return (handle, seen): handle(x) records x, awaits `delay` seconds, returns (x, 'done')."""
    seen = []

    async def handle(x):
        seen.append(x)
        await asyncio.sleep(delay)
        return (x, "done")

    return handle, seen


@PC(
    "`producer_consumer` is an `async def` function",
    "Every item is handled exactly once",
    "`None` included",
    weight=2,
)
async def test_handles_every_item_exactly_once(student):
    """passes every item (None included) to handle exactly once, and returns every result"""
    producer_consumer = _check_async(student, "producer_consumer")
    handle, seen = _recording_handle()
    items = [*range(25), None, "x", None, "", False, 0.0]
    results = await _within(producer_consumer(items, handle, 3), 2.5, "producer_consumer")
    # Compared by exact type and value, in any order; nothing of the student's is hashed.
    assert same_items(seen, items), (
        f"handle was called with {safe_repr(seen)}; every item, including None, must "
        "be handled exactly once (use a sentinel that can't be an item, such as object())"
    )
    _results(results, "producer_consumer")
    assert same_items(results, [(x, "done") for x in items]), (
        f"returned {safe_repr(results)} for {len(items)} items: return every result of handle"
    )


# its own waits (up to 2.5 s) decide, never the deadline
@PC("may contain any values", deadline=5)
async def test_items_that_look_like_sentinels_are_handled(student):
    """handles items that a sentinel might be mistaken for: 'STOP', 'DONE', -1, Ellipsis, ..."""
    producer_consumer = _check_async(student, "producer_consumer")
    handle, seen = _recording_handle()
    items = [
        "STOP", "stop", "DONE", "done", "END", "QUIT", "SENTINEL", "__STOP__", "<stop>", "",
        -1, 0, False, None, ..., (), b"", "STOP", "last",
    ]  # fmt: skip
    results = await _within(producer_consumer(items, handle, 3), 2.5, "producer_consumer")
    assert same_items(seen, items), (
        f"handle was called with {safe_repr(seen)}, expected every one of {safe_repr(items)}: "
        "an item can be any value, so the sentinel must be an object no item can equal "
        "(stop = object(), compared with `is`)"
    )
    _results(results, "producer_consumer")
    assert same_items(results, [(x, "done") for x in items]), (
        f"returned {safe_repr(results)}: return every result of handle"
    )


@PC("One producer task puts the items on an")
async def test_the_queue_holds_n_consumers_items(student):
    """with every consumer busy, the producer fills a queue of n_consumers items, then waits"""
    producer_consumer = _check_async(student, "producer_consumer")
    n = 3
    taken = [0]
    busy = [0]
    gate = asyncio.Event()
    full = asyncio.Event()  # n items are being handled and n wait in the queue

    def note():
        if busy[0] >= n and taken[0] >= 2 * n:
            full.set()

    def items():
        for i in range(4 * n):
            taken[0] += 1
            note()
            yield i

    async def handle(x):
        busy[0] += 1
        note()
        await asyncio.wait_for(gate.wait(), 2.0)
        return x

    run = asyncio.ensure_future(producer_consumer(items(), handle, n))
    try:
        await asyncio.wait_for(full.wait(), 1.0)
    except TimeoutError:
        pass
    finally:
        filled, seen_taken, seen_busy = full.is_set(), taken[0], busy[0]
        gate.set()
    results = await _within(run, 2.0, "producer_consumer")
    assert same_items(_results(results, "producer_consumer"), list(range(4 * n))), (
        f"wrong results: {safe_repr(results)}"
    )
    assert filled, (
        f"with n_consumers={n} and {seen_busy} call(s) of handle waiting, the producer had taken "
        f"only {seen_taken} items; expected at least {2 * n}: {n} being handled and {n} in "
        "an asyncio.Queue(maxsize=n_consumers)"
    )


# its own waits (up to 2.5 s) decide, never the deadline
@PC("`n_consumers` consumer tasks take items", weight=2, deadline=5)
async def test_runs_n_consumers_at_once(student):
    """runs exactly n_consumers calls of handle at the same time"""
    producer_consumer = _check_async(student, "producer_consumer")
    probe = Crowd(3)
    results = await _within(producer_consumer(range(9), probe.visit, 3), 2.5, "producer_consumer")
    _results(results, "producer_consumer")
    assert same_items(results, list(range(9))), f"wrong results: {safe_repr(results)}"
    assert probe.peak == 3, (
        f"{probe.peak} call(s) of handle ran at the same time with n_consumers=3: "
        "start exactly n_consumers consumer tasks"
    )


# its own waits (up to 2.5 s) decide, never the deadline
@PC("It shuts down cleanly", weight=2, deadline=5)
async def test_leaves_no_task_pending(student):
    """has finished every task it started when it returns"""
    producer_consumer = _check_async(student, "producer_consumer")
    handle, _ = _recording_handle(0.001)
    before = _tasks()
    await _within(producer_consumer(range(12), handle, 4), 2.5, "producer_consumer")
    left = _new_tasks(before)
    assert not left, (
        f"{len(left)} task(s) were still pending when producer_consumer returned "
        f"({safe_repr([asyncio.Task.get_name(t) for t in left])}): stop every consumer and await it; "
        "cancel() alone only asks a task to stop"
    )


# its own waits (up to 2.5 s) decide, never the deadline
@PC("it reads `items` only as fast", "it may be a generator", deadline=5)
async def test_reads_items_lazily(student):
    """takes items only as consumers make room: a bounded queue, not a race ahead"""
    producer_consumer = _check_async(student, "producer_consumer")
    n = 2
    taken = [0]
    handled = [0]
    worst = [0]

    def items():
        for i in range(40):
            taken[0] += 1
            worst[0] = max(worst[0], taken[0] - handled[0])
            yield i

    async def handle(x):
        await asyncio.sleep(0)
        handled[0] += 1
        return x

    results = await _within(producer_consumer(items(), handle, n), 2.5, "producer_consumer")
    _results(results, "producer_consumer")
    assert same_items(results, list(range(40))), f"wrong results: {safe_repr(results)}"
    # n in the queue, n being handled, one in the producer's hand: allow one more.
    assert worst[0] <= 2 * n + 2, (
        f"the producer had taken {worst[0]} items that were not yet handled, with n_consumers={n}: "
        "use asyncio.Queue(maxsize=n_consumers) so that put() waits for room"
    )


@PC("If `handle` raises", weight=2)
async def test_exception_in_handle_propagates_and_shuts_down(student):
    """raises the exception from handle itself, and leaves no task pending"""
    producer_consumer = _check_async(student, "producer_consumer")

    raised = []

    async def handle(x):
        await asyncio.sleep(0.001)
        if type(x) is int and x == 5:
            raised.append(ValueError("item 5"))
            raise raised[-1]
        return x

    before = _tasks()
    caught = None
    try:
        await _within(producer_consumer(range(30), handle, 3), 2.0, "producer_consumer")
    except ValueError as exc:
        caught = exc
    except BaseExceptionGroup as group:
        pytest.fail(
            f"raised {type_name(group)} {safe_repr(group)}: raise the exception itself",
            pytrace=False,
        )
    else:
        pytest.fail("handle raised ValueError, but producer_consumer did not", pytrace=False)
    # The very exception handle raised, not a look-alike.
    assert any(caught is r for r in raised), (
        f"expected the ValueError that handle raised, got {safe_repr(caught)}"
    )
    left = _new_tasks(before)
    assert not left, (
        f"{len(left)} task(s) were still pending after the exception: "
        "cancel the other tasks and wait for them"
    )


@PC("It shuts down cleanly")
async def test_no_items(student):
    """returns [] for no items, without leaving tasks behind"""
    producer_consumer = _check_async(student, "producer_consumer")
    handle, seen = _recording_handle()
    before = _tasks()
    results = await _within(producer_consumer([], handle, 3), 1.0, "producer_consumer")
    assert same(results, []) and seen == [], f"no items should give [], got {safe_repr(results)}"
    assert not _new_tasks(before), "tasks were still pending after returning"


# --------------------------------------------------------------------------
# Wallet


WALLET = Exercise("wallet")


def _wallet(student, balance):
    cls = student.Wallet
    assert type(cls) is type, "Wallet should be a class"
    return cls(balance)


def _balance(wallet):
    value = wallet.balance
    assert type(value) is int, f"balance should be an int, not {type_name(value)}"
    return value


async def _ok_audit(amount):
    """An audit that passes after one turn of the loop."""
    await asyncio.sleep(0)


def _held_audit():
    """An audit that says when it has begun, then waits (2 s at most) for the test's gate.

    Returns ``(audit, begun, gate)``: two asyncio.Events, the second for the test to set.
    """
    begun, gate = asyncio.Event(), asyncio.Event()

    async def audit(amount):
        begun.set()
        await asyncio.wait_for(gate.wait(), 2.0)

    return audit, begun, gate


async def _withdraw(wallet, amount, audit, seconds=2.0):
    return await _within(wallet.withdraw(amount, audit), seconds, "withdraw")


@WALLET(
    "makes a wallet whose attribute `balance`",
    "it awaits `audit(amount)`",
    "Otherwise it returns `False` without calling `audit`",
)
async def test_withdraw_takes_what_fits_and_refuses_the_rest(student):
    """takes the amount off when it fits (audit first), and refuses it otherwise"""
    wallet = _wallet(student, 50)
    audited = []

    async def audit(amount):
        await asyncio.sleep(0)
        audited.append(amount)

    assert _balance(wallet) == 50, "Wallet(50).balance should be 50"
    got = await _withdraw(wallet, 20, audit)
    assert got is True and _balance(wallet) == 30 and audited == [20], (
        f"withdraw(20) from 50 gave {safe_repr(got)}, balance {safe_repr(wallet.balance)}, "
        f"audits {audited}; expected True, 30 and one audit of 20"
    )
    got = await _withdraw(wallet, 40, audit)
    assert got is False and _balance(wallet) == 30 and audited == [20], (
        f"withdraw(40) from 30 gave {safe_repr(got)}, balance {safe_repr(wallet.balance)}, "
        f"audits {audited}; expected False, no change and no audit"
    )
    got = await _withdraw(wallet, 30, audit)
    assert got is True and _balance(wallet) == 0, (
        f"withdraw(30) from 30 gave {safe_repr(got)}: an amount equal to the balance fits"
    )


@WALLET("the balance never goes below zero", "take effect one at a time", weight=2)
async def test_two_withdrawals_cannot_both_pass_the_check(student):
    """never lets two withdrawals both pass the check while the first one's audit awaits"""
    wallet = _wallet(student, 100)
    audits = []
    second_audit = asyncio.Event()

    async def audit(amount):
        audits.append(amount)
        if len(audits) > 1:
            second_audit.set()
            return
        # The first audit waits for a second one: it comes at once if the check races.
        try:
            await asyncio.wait_for(second_audit.wait(), 0.3)
        except TimeoutError:
            pass

    first = asyncio.ensure_future(wallet.withdraw(70, audit))
    second = asyncio.ensure_future(wallet.withdraw(70, audit))
    outcomes = await _within(asyncio.gather(first, second), 2.0, "two withdrawals")
    balance = _balance(wallet)
    assert len(audits) == 1 and balance == 30 and sorted(outcomes) == [False, True], (
        f"two withdrawals of 70 from 100 gave {safe_repr(outcomes)}, {len(audits)} audit(s) and "
        f"a balance of {balance}: the second one checked the balance while the first was still "
        "awaiting its audit. Make the check, the audit and the update one step (an asyncio.Lock)"
    )


@WALLET("looks at the balance only after every earlier")
async def test_a_refusal_waits_for_the_earlier_withdrawal(student):
    """a withdrawal that can't fit is refused only after the earlier one has finished"""
    wallet = _wallet(student, 50)
    held_audit, in_audit, gate = _held_audit()

    first = asyncio.ensure_future(wallet.withdraw(40, held_audit))
    try:
        await _within(in_audit.wait(), 1.0, "the first withdrawal's audit")
        second = asyncio.ensure_future(wallet.withdraw(60, _ok_audit))
        for _ in range(10):
            await asyncio.sleep(0)  # the second one has come as far as it may
        early = second.done()
    finally:
        gate.set()
    outcomes = await _within(asyncio.gather(first, second), 2.0, "two withdrawals")
    assert same(list(outcomes), [True, False]) and _balance(wallet) == 10, (
        f"withdraw(40) then withdraw(60) from 50 gave {safe_repr(outcomes)} and a balance of "
        f"{safe_repr(wallet.balance)}; expected [True, False] and 10"
    )
    assert not early, (
        "withdraw(60) answered while withdraw(40) was still awaiting its audit: a withdrawal "
        "looks at the balance only once every earlier one has finished, so take the lock "
        "first, then check, even to refuse"
    )


@WALLET("looks at the balance only after every earlier")
async def test_a_waiting_withdrawal_goes_before_a_later_one(student):
    """a withdrawal that waited goes before a later one, even one made the moment the wallet is free"""
    # The task whose withdrawal held the wallet makes a new one the moment it returns, before
    # the waiting withdrawal has run again: a flag, or a Condition with notify(), lets that
    # newcomer in first, every time; an asyncio.Lock serves the withdrawals in arrival order.
    wallet = _wallet(student, 100)
    held_audit, in_audit, gate = _held_audit()

    async def first_then_third():
        first = await wallet.withdraw(60, held_audit)
        return first, await wallet.withdraw(40, _ok_audit)

    one_and_three = asyncio.ensure_future(first_then_third())
    try:
        await _within(in_audit.wait(), 1.0, "the first withdrawal's audit")
        second = asyncio.ensure_future(wallet.withdraw(30, _ok_audit))
        for _ in range(10):
            await asyncio.sleep(0)  # the second one waits for the wallet now
    finally:
        gate.set()
    (first, third), second_ok = await _within(
        asyncio.gather(one_and_three, second), 2.0, "three withdrawals"
    )
    got = [first, second_ok, third]
    assert same(got, [True, True, False]) and _balance(wallet) == 10, (
        f"from 100: withdraw(60), then withdraw(30) while the first was audited, then "
        f"withdraw(40) the moment withdraw(60) returned, gave {safe_repr(got)} and a balance "
        f"of {safe_repr(wallet.balance)}; expected [True, True, False] and 10: the withdrawal "
        "that was waiting goes first. A flag, or a Condition with notify(), lets a newcomer "
        "overtake it; an asyncio.Lock serves withdrawals in the order they came"
    )


@WALLET("If `audit` raises", "looks at the balance only after every earlier", weight=2)
async def test_a_failed_audit_changes_nothing_and_frees_the_wallet(student):
    """after an audit raises, the balance is unchanged and the next withdrawal goes ahead"""
    wallet = _wallet(student, 100)
    go = asyncio.Event()
    raised = []

    async def failing_audit(amount):
        await asyncio.wait_for(go.wait(), 2.0)
        raised.append(ValueError("audit refused"))
        raise raised[-1]

    first = asyncio.ensure_future(wallet.withdraw(70, failing_audit))
    for _ in range(5):
        await asyncio.sleep(0)  # the first withdrawal is now inside its audit
    second = asyncio.ensure_future(wallet.withdraw(70, _ok_audit))
    for _ in range(5):
        await asyncio.sleep(0)  # the second one has come as far as it may
    go.set()
    caught = None
    try:
        await _within(first, 2.0, "withdraw with a failing audit")
    except ValueError as exc:
        caught = exc
    if caught is None:
        pytest.fail("the audit raised ValueError, but withdraw did not", pytrace=False)
    assert raised and caught is raised[0], (
        f"expected the audit's ValueError, got {safe_repr(caught)}"
    )
    got = await _within(second, 2.0, "the withdrawal after a failed audit")
    balance = _balance(wallet)
    assert got is True and balance == 30, (
        f"the first withdrawal's audit failed, so the second withdrawal of 70 from 100 should "
        f"succeed, but it gave {safe_repr(got)} and the balance is {balance}: check the balance "
        "only once the earlier withdrawal has finished, and leave it unchanged when audit raises"
    )


@WALLET("goes on working for the withdrawals that follow")
async def test_a_cancelled_withdrawal_frees_the_wallet(student):
    """a withdrawal cancelled during its audit changes nothing and doesn't block the wallet"""
    wallet = _wallet(student, 100)
    in_audit = asyncio.Event()

    async def endless_audit(amount):
        in_audit.set()
        await asyncio.sleep(10)

    task = asyncio.ensure_future(wallet.withdraw(60, endless_audit))
    await _within(in_audit.wait(), 1.0, "the audit")
    task.cancel()
    await asyncio.wait({task}, timeout=1.0)
    assert task.done(), "withdraw did not stop when its task was cancelled"
    assert _balance(wallet) == 100, "a cancelled withdrawal changed the balance"
    got = await _withdraw(wallet, 60, _ok_audit, 1.5)
    assert got is True and _balance(wallet) == 40, (
        f"after a cancelled withdrawal, withdraw(60) from 100 gave {safe_repr(got)}: "
        "release the lock however the audit ends (async with, not acquire() and release())"
    )


@WALLET("Different wallets don't wait for each other", deadline=4)
async def test_wallets_do_not_wait_for_each_other(student):
    """one wallet's slow audit does not hold up a withdrawal from another wallet"""
    a, b = _wallet(student, 10), _wallet(student, 10)
    b_audit = asyncio.Event()
    log = []

    async def audit_a(amount):
        try:
            await asyncio.wait_for(b_audit.wait(), 1.5)
        except TimeoutError:
            log.append("gave up")

    async def audit_b(amount):
        b_audit.set()

    results = await _within(
        asyncio.gather(a.withdraw(5, audit_a), b.withdraw(5, audit_b)), 3.0, "two wallets"
    )
    assert same(list(results), [True, True]), f"the withdrawals gave {safe_repr(results)}"
    assert not log, (
        "wallet b's withdrawal waited until wallet a's audit had finished: give each wallet "
        "its own lock (made in __init__), not one shared by the class"
    )


# --------------------------------------------------------------------------
# borrow


BORROW = Exercise("borrow")


class Resource:
    """A borrowed resource; identity is what matters."""

    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return f"<resource {self.n}>"


class Pool:
    """A pool whose acquire and release await; the test can hold either at a gate."""

    def __init__(self, acquire_gate=None, release_gate=None):
        self.acquire_gate, self.release_gate = acquire_gate, release_gate
        self.acquired, self.released = [], []
        self.interrupted = 0
        self.release_calls = 0
        self.release_started = asyncio.Event()
        self.acquire_started = asyncio.Event()

    async def acquire(self):
        self.acquire_started.set()
        if self.acquire_gate is not None:
            await asyncio.wait_for(self.acquire_gate.wait(), 2.0)
        await asyncio.sleep(0)
        res = Resource(len(self.acquired) + 1)
        self.acquired.append(res)
        return res

    async def release(self, res):
        self.release_calls += 1
        self.release_started.set()
        try:
            if self.release_gate is not None:
                await asyncio.wait_for(self.release_gate.wait(), 2.0)
            else:
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            self.interrupted += 1
            raise
        self.released.append(res)


def _borrow(student):
    return _check_async(student, "borrow")


def _released_once(pool, what):
    assert pool.interrupted == 0, (
        f"{what}, the release was interrupted by the cancellation, so the resource never went "
        "back: run pool.release(res) where the cancellation can't reach it (asyncio.shield)"
    )
    assert len(pool.acquired) == 1 and len(pool.released) == 1, (
        f"{what}, {len(pool.acquired)} resource(s) were acquired and {len(pool.released)} "
        f"release(s) finished ({pool.release_calls} started); expected one of each"
    )
    assert pool.released[0] is pool.acquired[0], "the resource released is not the one acquired"


@BORROW(
    "`borrow` is an `async def` function",
    "It awaits `pool.acquire()` once",
    "When `borrow` returns or raises",
)
async def test_returns_the_result_and_releases(student):
    """returns work's result, having released the resource it lent to work"""
    borrow = _borrow(student)
    pool = Pool()
    given = []
    answer = object()

    async def work(res):
        given.append(res)
        await asyncio.sleep(0)
        return answer

    got = await _within(borrow(pool, work), 2.0, "borrow")
    assert got is answer, f"borrow returned {safe_repr(got)}, not what work returned"
    assert len(given) == 1 and pool.acquired and given[0] is pool.acquired[0], (
        "work should be called once, with the resource from pool.acquire()"
    )
    _released_once(pool, "when borrow returned")


class ValuePool(Pool):
    """A Pool that lends the very object it was given, e.g. 0 or ''."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    async def acquire(self):
        await asyncio.sleep(0)
        self.acquired.append(self.value)
        return self.value


@BORROW("The resource is released with `await pool.release(res)` exactly once")
@pytest.mark.parametrize("value", [0, ""], ids=["resource 0", "resource ''"])
async def test_a_falsy_resource_is_released_too(student, value):
    """releases whatever pool.acquire() gave, even a falsy resource such as 0 or ''"""
    borrow = _borrow(student)
    pool = ValuePool(value)

    async def work(res):
        await asyncio.sleep(0)
        return "done"

    got = await _within(borrow(pool, work), 2.0, "borrow")
    assert same(got, "done"), f"borrow returned {safe_repr(got)}, not what work returned"
    assert pool.release_calls == 1 and len(pool.released) == 1, (
        f"pool.acquire() gave {safe_repr(value)} and the release was started "
        f"{pool.release_calls} time(s): a resource is a resource, whatever its truth value; "
        "test `is not None`, or better, release after a successful acquire without testing"
    )
    assert same(pool.released[0], value), f"released {safe_repr(pool.released[0])}"


@BORROW("If `work` raises")
async def test_work_that_raises(student):
    """raises work's exception itself, after releasing the resource"""
    borrow = _borrow(student)
    pool = Pool()
    raised = []

    async def work(res):
        await asyncio.sleep(0)
        raised.append(KeyError("no such row"))
        raise raised[-1]

    caught = None
    try:
        await _within(borrow(pool, work), 2.0, "borrow")
    except KeyError as exc:
        caught = exc
    if caught is None:
        pytest.fail("work raised KeyError, but borrow did not", pytrace=False)
    assert caught is raised[0], f"expected work's KeyError, got {safe_repr(caught)}"
    _released_once(pool, "when borrow raised")


async def _cancelled(task, what):
    """Await a task that should end with CancelledError; fail with words otherwise."""
    await asyncio.wait({task}, timeout=2.0)
    if not task.done():
        task.cancel()
        pytest.fail(f"{what}: borrow did not finish within 2 s", pytrace=False)
    if not task.cancelled():
        exc = task.exception()
        if exc is None:
            pytest.fail(
                f"{what}: borrow returned normally; it swallowed the CancelledError, so "
                "timeouts and task groups can't work. Re-raise it once the release is done",
                pytrace=False,
            )
        fail_for(exc, f"borrow ({what})")


@BORROW("exactly once, whether `work` returns, raises, or the task is cancelled")
async def test_cancelled_while_working(student):
    """releases the resource when the task is cancelled while work runs, and stays cancelled"""
    borrow = _borrow(student)
    pool = Pool()
    started = asyncio.Event()

    async def work(res):
        started.set()
        await asyncio.sleep(10)

    task = asyncio.ensure_future(borrow(pool, work))
    await _within(started.wait(), 1.0, "work")
    task.cancel()
    await _cancelled(task, "cancelled while work ran")
    _released_once(pool, "after a cancellation during work")


@BORROW(
    "even if it is cancelled more than once",
    "the release has finished, not merely started",
    weight=2,
    deadline=4,
)
async def test_cancelled_twice_while_releasing(student):
    """finishes the release even when cancelled (twice) during it, and only then raises"""
    borrow = _borrow(student)
    gate = asyncio.Event()
    pool = Pool(release_gate=gate)

    async def work(res):
        await asyncio.sleep(0)
        return "done"

    task = asyncio.ensure_future(borrow(pool, work))
    await _within(pool.release_started.wait(), 1.0, "pool.release")
    task.cancel()
    await asyncio.sleep(0.02)
    if not task.done():
        task.cancel()  # and once more, while the release is still running
    await asyncio.wait({task}, timeout=0.3)
    early = task.done() and not pool.released
    gate.set()
    await _cancelled(task, "cancelled while releasing")
    _released_once(pool, "after two cancellations during the release")
    assert not early, (
        "borrow ended before the release had finished: after shielding the release, wait for "
        "it to be done before raising"
    )


@BORROW("so `asyncio.timeout` still raises `TimeoutError`")
async def test_timeout_during_the_release(student):
    """under asyncio.timeout, finishes the release and lets the TimeoutError through"""
    borrow = _borrow(student)
    gate = asyncio.Event()
    pool = Pool(release_gate=gate)
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, gate.set)  # the release takes 0.3 s; the timeout fires first

    async def work(res):
        return "done"

    async def attempt():
        # borrow is awaited directly: a wait_for between them would hide a swallowed cancel.
        try:
            async with asyncio.timeout(0.1):
                await borrow(pool, work)
        except TimeoutError:
            return "timed out"
        return "no TimeoutError"

    outcome = await _within(attempt(), 2.0, "borrow under asyncio.timeout(0.1)")
    if outcome != "timed out":
        pytest.fail(
            "asyncio.timeout(0.1) expired during the release, but no TimeoutError came out: "
            "borrow must re-raise the CancelledError once the release is done",
            pytrace=False,
        )
    _released_once(pool, "after the timeout")


@BORROW("a `TaskGroup` still reports its real error")
async def test_task_group_cancels_it_during_work(student):
    """inside a TaskGroup whose other task fails, releases and lets the group report the error"""
    borrow = _borrow(student)
    pool = Pool()
    started = asyncio.Event()
    raised = []

    async def work(res):
        started.set()
        await asyncio.sleep(10)

    async def sibling():
        await asyncio.wait_for(started.wait(), 1.0)
        raised.append(ValueError("the other task failed"))
        raise raised[-1]

    reported = []
    try:
        async with asyncio.timeout(2.0):
            async with asyncio.TaskGroup() as group:
                group.create_task(borrow(pool, work))
                group.create_task(sibling())
    except BaseExceptionGroup as errors:
        reported.extend(errors.exceptions)
    except TimeoutError:
        pytest.fail("the TaskGroup did not finish within 2 s", pytrace=False)
    assert len(reported) == 1 and raised and reported[0] is raised[0], (
        f"the TaskGroup reported {safe_repr(reported)}; expected only the other task's ValueError"
    )
    _released_once(pool, "after the TaskGroup cancelled borrow")


@BORROW("while `pool.acquire()` runs, there is nothing to release")
async def test_cancelled_while_acquiring(student):
    """cancelled during acquire: raises CancelledError, calls neither work nor release"""
    borrow = _borrow(student)
    gate = asyncio.Event()
    pool = Pool(acquire_gate=gate)
    worked = []

    async def work(res):
        worked.append(res)

    task = asyncio.ensure_future(borrow(pool, work))
    await _within(pool.acquire_started.wait(), 1.0, "pool.acquire")
    task.cancel()
    await _cancelled(task, "cancelled while acquiring")
    assert not worked and pool.release_calls == 0, (
        f"after a cancellation during acquire, work ran {len(worked)} time(s) and release "
        f"{pool.release_calls} time(s): nothing was lent, so there is nothing to do"
    )
