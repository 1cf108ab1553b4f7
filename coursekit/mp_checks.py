"""More instruments for testing process code: held children, counted steps, watched pipes.

`CheckingContext` is a `coursekit.mp_probes.RecordingContext` that can also:

* hold each child alive after its target returns until the test releases it
  (or `hold` seconds pass), so a parent that stops waiting for its child too
  early is caught every time, not only when the child happens to be slow;
* hand out shared values that count, per process, every write to ``.value``
  and note any write that is not exactly "the current value plus one";
* make a pool's tasks wait, once, until as many of them run at the same time
  as the pool has workers, so a test *knows* whether the pieces of work ran
  together (blocking ``apply()`` one piece after another never does);
* hand out pipes whose ends note when a ``("ping", i)`` is sent before the
  reply to the previous ping was received on that end, and can make the reply
  to each ping come later than the first time limit the parent polls with.

Everything a child needs lives at module level, so that it can be pickled under
the spawn and forkserver start methods.

>>> ctx = CheckingContext("fork", hold=1.0)
>>> p = ctx.Process(target=print, args=("hello",))
>>> ctx.processes == [p]
True
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import time
from multiprocessing.connection import reduce_connection
from typing import Any

from coursekit.mp_probes import ChildOptions, RacyValue, RecordedPool, RecordingContext, run_child

__all__ = [
    "CheckedPool",
    "CheckingContext",
    "HeldOptions",
    "Meeting",
    "MeetingTask",
    "PingLog",
    "StepValue",
    "WatchedConnection",
    "run_held_child",
]


@dataclasses.dataclass
class HeldOptions:
    """What `run_held_child` does around a child's target (picklable)."""

    inner: ChildOptions
    release: Any = None  # a shared byte without a lock: the test sets it to 1
    hold: float = 0.0  # seconds a child waits for `release` after its target returns
    meeting: Any = None  # a Meeting for the pool tasks this child runs


@dataclasses.dataclass
class Meeting:
    """Shared state of a pool's tasks that wait until `parties` of them run together."""

    running: Any  # a shared int with a lock: tasks that have begun and not ended
    state: Any  # a shared byte without a lock: 0 waiting, 1 met, 2 a wait ran out
    parties: int
    wait: float  # seconds a task waits for the others, once


#: In a child: the Meeting of the context that started it (None elsewhere).
_MEETING: list = [None]


class MeetingTask:
    """A pool task's function: the first tasks wait until `parties` run at the same time.

    Each task, until the meeting has happened, waits (up to `wait` s) until as
    many tasks have begun as the meeting expects; once they have (or a wait ran
    out) no task waits any more. Pieces handed to the pool all at once meet at
    once; pieces handed out one by one, each waited for, never do.
    """

    def __init__(self, func) -> None:
        self.func = func

    def __call__(self, *args, **kwargs):
        meeting = _MEETING[0]
        if meeting is None or meeting.state.value:
            return self.func(*args, **kwargs)
        with meeting.running.get_lock():
            meeting.running.value += 1
            if meeting.running.value >= meeting.parties:
                meeting.state.value = 1
        try:
            deadline = time.monotonic() + meeting.wait
            while not meeting.state.value:
                if time.monotonic() >= deadline:
                    meeting.state.value = 2
                    break
                time.sleep(0.002)
            return self.func(*args, **kwargs)
        finally:
            with meeting.running.get_lock():
                meeting.running.value -= 1


class CheckedPool(RecordedPool):
    """A `RecordedPool` that also keeps the functions handed to it (`funcs`) and, with
    `meet`, hands each task to the workers as a `MeetingTask`."""

    def __init__(self, *args, meet: bool = False, **kwargs) -> None:
        self.funcs: list = []
        self._meet = meet
        super().__init__(*args, **kwargs)

    def _task(self, func):
        self.funcs.append(func)
        return MeetingTask(func) if self._meet else func

    def _map_async(
        self, func, iterable, mapper, chunksize=None, callback=None, error_callback=None
    ):
        return super()._map_async(
            self._task(func), iterable, mapper, chunksize, callback, error_callback
        )

    def imap(self, func, iterable, chunksize=1):
        return super().imap(self._task(func), iterable, chunksize)

    def imap_unordered(self, func, iterable, chunksize=1):
        return super().imap_unordered(self._task(func), iterable, chunksize)

    def apply_async(self, func, args=(), kwds=None, callback=None, error_callback=None):
        return super().apply_async(self._task(func), args, kwds, callback, error_callback)


def run_held_child(options: HeldOptions, target, args: tuple, kwargs: dict) -> None:
    """Run the target as `run_child` does, then stay alive until released (or `hold` s).

    The child polls a shared byte rather than waiting on an Event: a child that
    is killed while it waits must not leave a lock held that the test needs.
    """
    _MEETING[0] = options.meeting
    try:
        run_child(options.inner, target, args, kwargs)
    finally:
        if options.release is not None and options.hold > 0:
            deadline = time.monotonic() + options.hold
            while not options.release.value and time.monotonic() < deadline:
                time.sleep(0.005)


# Per process: for each StepValue (by its token), how deep this process holds
# its lock and whether it read or wrote ``.value`` during the current hold.
_HOLDS: dict[str, list] = {}


class StepValue(RacyValue):
    """A `RacyValue` that records, per process, each write made to ``.value``.

    A write by a process other than the one that made the value is counted in
    `counts` (pairs of pid and number of writes) and, unless it stores exactly
    the stored value plus one, it sets `bad` to 1.

    It also forces the one interleaving that splits an update in two. When a
    child releases the value's lock after a hold in which it read ``.value``
    but did not write it, the child waits (up to `switch_wait` seconds) until
    another process has taken the lock. So ``with lock: v = c.value`` followed
    by ``with lock: c.value = v + 1`` always lets another process read the same
    ``v`` in between, and an update is lost every time, not only when the
    scheduler happens to switch there. A hold that reads and writes, as
    ``with lock: c.value += 1`` does, never waits.
    """

    def __init__(
        self,
        inner,
        pause: float,
        counts,
        bad,
        owner: int,
        turns=None,
        switch_wait: float = 0.5,
        token: str | None = None,
    ) -> None:
        super().__init__(inner, pause)
        self._counts = counts
        self._bad = bad
        self._owner = owner
        self._turns = turns  # a shared count of the children's acquisitions of the lock
        self._switch_wait = switch_wait
        self._token = token or os.urandom(8).hex()

    def _hold(self) -> list:
        # [depth, read during this hold, wrote during this hold, a wait ran out]
        return _HOLDS.setdefault(self._token, [0, False, False, False])

    @property
    def value(self):
        current = RacyValue.value.fget(self)
        self._hold()[1] = True
        return current

    @value.setter
    def value(self, new) -> None:
        pid = os.getpid()
        self._hold()[2] = True
        if pid != self._owner:
            if new != self._inner.value + 1:
                self._bad.value = 1
            with self._counts.get_lock():
                counts = self._counts
                for i in range(0, len(counts), 2):
                    if counts[i] in (0, pid):
                        counts[i] = pid
                        counts[i + 1] += 1
                        break
        self._inner.value = new

    # The value's lock, however it is reached: get_lock(), acquire()/release(), `with v:`.
    def get_lock(self):
        self._inner.get_lock  # noqa: B018 - a Value made with lock=False has none
        return _SwitchLock(self)

    def acquire(self, *args, **kwargs):
        got = self._inner.acquire(*args, **kwargs)
        if got:
            self._acquired()
        return got

    def release(self) -> None:
        hold = self._hold()
        hold[0] -= 1
        split = hold[0] == 0 and hold[1] and not hold[2]
        switch = split and self._turns is not None and os.getpid() != self._owner
        seen = self._turns.value if switch else None
        self._inner.release()
        if switch:
            # Once a wait has run out, the other children are probably done:
            # this one stops waiting long, so finishing alone costs little.
            wait = 0.01 if hold[3] else self._switch_wait
            deadline = time.monotonic() + wait
            while self._turns.value == seen:
                if time.monotonic() >= deadline:
                    hold[3] = True
                    break
                time.sleep(0.0005)

    def _acquired(self) -> None:
        hold = self._hold()
        if hold[0] == 0:
            hold[1] = hold[2] = False
            if self._turns is not None and os.getpid() != self._owner:
                self._turns.value += 1  # under the value's lock
        hold[0] += 1

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()

    def __getattr__(self, name: str):
        if name.startswith("__") or name in (
            "_inner",
            "_pause",
            "_counts",
            "_bad",
            "_owner",
            "_turns",
            "_switch_wait",
            "_token",
        ):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __reduce__(self):
        return (
            StepValue,
            (
                self._inner,
                self._pause,
                self._counts,
                self._bad,
                self._owner,
                self._turns,
                self._switch_wait,
                self._token,
            ),
        )

    def writes(self) -> dict[int, int]:
        """Map each process (pid) that wrote ``.value`` to how many writes it made."""
        counts = self._counts
        return {counts[i]: counts[i + 1] for i in range(0, len(counts), 2) if counts[i]}

    @property
    def every_write_added_one(self) -> bool:
        return not self._bad.value


class _SwitchLock:
    """What ``StepValue.get_lock()`` returns: the value's lock, noting each hold."""

    def __init__(self, value: StepValue) -> None:
        self._value = value

    def acquire(self, block=True, timeout=None):
        if timeout is None:
            return self._value.acquire(block)
        return self._value.acquire(block, timeout)

    def release(self) -> None:
        self._value.release()

    def __enter__(self):
        self._value.acquire()
        return self

    def __exit__(self, *exc):
        self._value.release()

    def __reduce__(self):
        return (_SwitchLock, (self._value,))

    def __repr__(self) -> str:
        return f"<lock of {self._value!r}>"


def _message(data):
    try:
        return pickle.loads(data)
    except Exception:  # noqa: BLE001 - not a pickle: nothing to watch
        return None


class PingLog:
    """What one process's watched pipe ends saw: pings sent, pongs received, and problems.

    Only the process that made the pipes judges (a forked child's copy of the log is
    left alone): every message it sends must be exactly ``("ping", i)``, with ``i``
    counting from 0, and none may go before the reply to the previous one came back.
    """

    def __init__(self, slow_replies: bool = False, cut: float = 0.01) -> None:
        self.pid = os.getpid()
        self.pings = 0
        self.pongs = 0
        self.problems: list[str] = []
        self.slow_replies = slow_replies
        self.cut = cut
        self.polls_run_out = 0  # polls with a time limit that were made to run out
        self._held_back = -1  # the ping whose reply a poll has already been told is late

    def holds_back(self, timeout) -> bool:
        """Whether this poll with `timeout` runs out as if the reply were late.

        With `slow_replies`, in the process that made the pipes, the first poll
        with a time limit after each ping runs out (after at most `cut` seconds),
        however long its limit: so code that stops waiting for a reply after a
        while stops every time, while a poll with no limit, a recv(), or a poll
        tried again, still gets the reply.
        """
        if not self.slow_replies or os.getpid() != self.pid or timeout is None:
            return False
        if self.pongs >= self.pings or self._held_back == self.pings:
            return False
        self._held_back = self.pings
        self.polls_run_out += 1
        return True

    def sent(self, obj) -> None:
        if os.getpid() != self.pid:
            return
        expected = ("ping", self.pings)
        exact = (
            type(obj) is tuple
            and len(obj) == 2
            and type(obj[0]) is str
            and type(obj[1]) is int
            and obj == expected
        )
        if not exact:
            self.problems.append(
                f"the parent sent {_short(obj)} as message {self.pings + 1}, not {expected!r}: "
                "send ('ping', i) for i in range(n)"
            )
        elif self.pongs < self.pings:
            self.problems.append(
                f"{obj!r} was sent before the reply to ping {self.pongs} was received: "
                "send one ping, then wait for its reply before the next"
            )
        self.pings += 1

    def received(self, obj) -> None:
        if type(obj) is tuple and obj[:1] == ("pong",):
            self.pongs += 1


def _short(obj) -> str:
    """A bounded repr of a message a student's code sent (it may be any object)."""
    plain = (str, int, float, bool, type(None))
    if type(obj) in plain or (type(obj) is tuple and all(type(x) in plain for x in obj)):
        text = repr(obj)  # only builtins' own reprs: nothing of the student's runs
    else:
        text = f"a {type(obj).__name__}"
    return text if len(text) <= 80 else text[:77] + "..."


class WatchedConnection:
    """One end of a Pipe, noting a ``("ping", i)`` sent before the last reply came back.

    Behaves like the `multiprocessing.connection.Connection` it wraps. The ends
    made by one context share a `PingLog`, so two one-way pipes are watched as
    one conversation. Pickled (for a spawned child), an end becomes the plain
    Connection again.
    """

    def __init__(self, inner, log: PingLog) -> None:
        self._inner = inner
        self._log = log

    def send(self, obj) -> None:
        self._log.sent(obj)
        self._inner.send(obj)

    def send_bytes(self, buf, offset=0, size=None) -> None:
        view = memoryview(buf).cast("B")
        self._log.sent(
            _message(bytes(view[offset:] if size is None else view[offset : offset + size]))
        )
        self._inner.send_bytes(buf, offset, size)

    def poll(self, timeout=0.0):
        if self._log.holds_back(timeout):
            try:
                time.sleep(max(0.0, min(float(timeout), self._log.cut)))
            except (TypeError, ValueError):
                return self._inner.poll(timeout)  # the real poll says what is wrong
            return False
        return self._inner.poll(timeout)

    def recv(self):
        obj = self._inner.recv()
        self._log.received(obj)
        return obj

    def recv_bytes(self, maxlength=None):
        data = self._inner.recv_bytes(maxlength)
        self._log.received(_message(data))
        return data

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("_inner", "_log"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._inner.close()

    def __reduce__(self):
        return reduce_connection(self._inner)


class CheckingContext(RecordingContext):
    """A RecordingContext that can also hold children, count steps and watch pipes.

    hold: if > 0, each child waits after its target returns until `release()`
        is called, or for `hold` seconds.
    steps: ``Value(...)`` returns a `StepValue` (pausing its reads `racy_pause` s).
    watch_pipes: ``Pipe()`` returns `WatchedConnection` ends; see `pipe_problems`.
    slow_replies: with watch_pipes, the first poll with a time limit after each
        ping runs out (see `PingLog.holds_back`).
    meet: if > 1, ``Pool(...)`` hands out its tasks as `MeetingTask`s that wait,
        once, until `meet` of them run together (up to `meet_wait` s); see
        `ran_together`. Every pool keeps the functions handed to it (`funcs`).
    """

    def __init__(
        self,
        method=None,
        *,
        hold=0.0,
        steps=False,
        watch_pipes=False,
        slow_replies=False,
        meet=0,
        meet_wait=4.0,
        **options,
    ):
        super().__init__(method, **options)
        self.meeting = (
            Meeting(self.real.Value("i", 0), self.real.Value("b", 0, lock=False), meet, meet_wait)
            if meet > 1
            else None
        )
        self._hold = hold
        self._release = self.real.Value("b", 0, lock=False) if hold > 0 else None
        self._steps = steps
        self._watch_pipes = watch_pipes
        self.ping_log = PingLog(slow_replies)
        self.pipes = 0

    def release(self) -> None:
        """Let every held child end."""
        if self._release is not None:
            self._release.value = 1

    def _child(self, options: ChildOptions) -> tuple[Any, Any]:
        if not self._hold and self.meeting is None:
            return super()._child(options)
        return run_held_child, HeldOptions(options, self._release, self._hold, self.meeting)

    def Pool(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None):  # noqa: N802
        pool = CheckedPool(
            processes,
            initializer,
            initargs,
            maxtasksperchild,
            context=self,
            meet=self.meeting is not None,
        )
        with self._lock:
            self.pools.append(pool)
        if self._barrier is not None and pool._processes < self._barrier.parties:
            self._barrier.abort()  # too few workers ever to meet: say so now
        return pool

    @property
    def ran_together(self) -> bool | None:
        """Whether a pool's tasks ran `meet` at a time (None: no meeting, or no task waited)."""
        if self.meeting is None or not self.meeting.state.value:
            return None
        return self.meeting.state.value == 1

    def Value(self, typecode_or_type, *args, lock=True):  # noqa: N802
        if not self._steps:
            return super().Value(typecode_or_type, *args, lock=lock)
        inner = self.real.Value(typecode_or_type, *args, lock=lock)
        counts = self.real.Array("q", 64)
        bad = self.real.Value("b", 0, lock=False)
        turns = self.real.Value("q", 0, lock=False) if lock else None
        value = StepValue(inner, self._racy_pause or 0.0, counts, bad, os.getpid(), turns)
        with self._lock:
            self.values.append(value)
        return value

    def Pipe(self, duplex=True):  # noqa: N802
        a, b = self.real.Pipe(duplex)
        if not self._watch_pipes:
            return a, b
        self.pipes += 1
        return WatchedConnection(a, self.ping_log), WatchedConnection(b, self.ping_log)

    @property
    def pipe_problems(self) -> list[str]:
        """Pings this process sent through watched pipes before the previous reply came."""
        return self.ping_log.problems

    def cleanup(self, timeout: float = 3.0) -> list[str]:
        self.release()
        return super().cleanup(timeout)
