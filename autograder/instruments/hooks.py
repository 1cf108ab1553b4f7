"""Hooks for `hook_attributes`: a rendezvous that forces a lost update, a log that explains it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from coursekit.explore import brief as _brief

from ..testing import thread_name
from .folding import SCHEDULE_HEAD, SHOWN_STEPS
from .lines import _student_line


class ReadRendezvous:
    """A hook for `hook_attributes`: each read waits until another thread reads too.

    Two unlocked read-modify-writes then read the same value and one update is
    lost, every time. Under a lock no other thread can read, so the read just
    waits out `timeout` and goes on. `enabled` switches it off for the test's
    own reads.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.enabled = True
        self.reads = 0
        self.paired = 0
        self._cond = threading.Condition()

    def __call__(self, kind: str, obj: Any, name: str, value: Any) -> None:
        if kind != "read" or not self.enabled:
            return
        with self._cond:
            self.reads += 1
            mine = self.reads
            self._cond.notify_all()
            if self._cond.wait_for(lambda: self.reads > mine, self.timeout):
                self.paired += 1


class AccessLog:
    """A hook for `hook_attributes` that records every read and write, and explains
    a lost update with the few steps that caused it.

    Chain it with a rendezvous (``AccessLog(then=rendezvous)``): the rendezvous forces
    the bad interleaving, the log says what it was. A read is logged when it happens
    (the value is already read when the hook runs); a write is logged after `then`
    returns, just before the value is stored, so the log's order is the order in
    which the values really changed.
    """

    def __init__(self, then: Callable | None = None, limit: int = 5000) -> None:
        self.then = then
        self.limit = limit
        #: (thread, "read" or "write", attribute, value, where in the student's code)
        self.steps: list[tuple[str, str, str, Any, str]] = []
        self._lock = threading.Lock()

    def _record(self, kind: str, name: str, value: Any) -> None:
        where = _student_line()
        who = repr(thread_name(threading.current_thread()))
        with self._lock:
            if len(self.steps) < self.limit:
                self.steps.append((who, kind, name, value, where))

    def __call__(self, kind: str, obj: Any, name: str, value: Any) -> None:
        if kind == "read":
            self._record(kind, name, value)
        if self.then is not None:
            self.then(kind, obj, name, value)
        if kind == "write":
            self._record(kind, name, value)

    def schedule(self, limit: int = SHOWN_STEPS) -> str:
        """The last `limit` reads and writes, numbered ("" when none were recorded)."""
        steps = list(self.steps)
        shown = list(enumerate(steps))[-limit:]
        if not shown:
            return ""
        lines = [f"{SCHEDULE_HEAD}, the last {len(shown)} steps (of {len(steps)}):"]
        for j, (t, kd, nm, val, where) in shown:
            verb = (
                f"reads {nm} -> {_brief(val)}" if kd == "read" else f"writes {nm} <- {_brief(val)}"
            )
            lines.append(f"  {j + 1:>4}. {t}: {verb}" + (f"  ({where})" if where else ""))
        return "\n".join(lines)

    def lost_update(self) -> str:
        """The steps of the first lost update in the log, numbered, or "" if none.

        An update is lost when a thread writes an attribute back after another
        thread wrote it since this thread read it: the other thread's write is
        overwritten, as if it never happened.
        """
        steps = list(self.steps)
        last_read: dict[tuple[str, str], int] = {}
        for k, (who, kind, name, _value, _where) in enumerate(steps):
            if kind == "read":
                last_read[who, name] = k
                continue
            r = last_read.get((who, name))
            if r is None:
                continue
            between = [
                j
                for j in range(r + 1, k)
                if steps[j][2] == name and steps[j][1] == "write" and steps[j][0] != who
            ]
            if not between:
                continue
            w = between[0]
            other = steps[w][0]
            their_read = max(
                (j for j in range(0, w) if steps[j][:3] == (other, "read", name)), default=None
            )
            shown = sorted({r, w, k} | ({their_read} if their_read is not None else set()))
            lines = [
                f"{SCHEDULE_HEAD}, the {len(shown)} steps that lose an update "
                f"(of {len(steps)} recorded):"
            ]
            for j in shown:
                t, kd, nm, val, where = steps[j]
                verb = (
                    f"reads {nm} -> {_brief(val)}"
                    if kd == "read"
                    else f"writes {nm} <- {_brief(val)}"
                )
                lines.append(f"  {j + 1:>4}. {t}: {verb}" + (f"  ({where})" if where else ""))
            lines.append(
                f"Lost update: {who} read {name} (step {r + 1}) before {other} wrote it "
                f"(step {w + 1}), then wrote it itself (step {k + 1}) on the strength of "
                f"that stale read, so the write {other} made is overwritten."
            )
            return "\n".join(lines)
        return ""
