"""What tests ask a `Registry`: its schedule, who holds what, and whether threads deadlock."""

from __future__ import annotations

import threading
import time

from coursekit.explore import shared_keys

from ..testing import thread_name
from .folding import (
    SCHEDULE_HEAD,
    SHOWN_STEPS,
    _entry_first,
    _entry_lines,
    _entry_steps,
    fold_repeats,
)
from .primitives import TrackedLock, primitive_key
from .worker import Worker

#: The longest wait-for cycle a report writes on one line; a longer one gets a line a link.
CYCLE_ON_ONE_LINE = 240


class _Questions:
    """The questions a test asks a `Registry` (a base class of it, never used alone).

    Its methods read the state that `Registry.__init__` sets up and that the
    primitives keep up to date.
    """

    # -- what tests ask

    def schedule(self, limit: int = SHOWN_STEPS, about: str = "", head: str = SCHEDULE_HEAD) -> str:
        """The last `limit` steps, numbered, as a report shows them ("" when none).

        With `about`, only the steps whose description contains it: the steps that
        touch one account, say, which is what a failure about that account needs.
        `head` begins the first line (a run that was not forced says so there).
        """
        # Sorted: two threads may number their steps in one order and append them in the other.
        kept = {s[0]: s for s in list(self.first_steps) + list(self.steps)}
        steps = sorted(s for s in kept.values() if about in s[2])
        what = f" that involve {about}" if about else ""
        cycle = self.cycle_threads
        if cycle and not about and any(s[1] in cycle for s in steps):
            # A deadlock: the steps of the threads in its cycle are the ones that matter.
            steps = [s for s in steps if s[1] in cycle]
            what = " of the threads in the cycle"
        elif not about:
            shared = self._shared(steps)
            sliced = [s for s in steps if s[4] is None or s[4] in shared]
            if len(sliced) < len(steps) and any(s[4] in shared for s in sliced):
                steps, what = sliced, " on what the threads share"
        steps = [s[:4] for s in steps]
        if not steps:
            return ""
        entries = fold_repeats(steps)
        tail = list(self.steps)
        gap = None
        if self.first_steps and tail and tail[0][0] > self.first_steps[-1][0] + 1:
            # A long run pushed the steps between the first ones and the last ones out.
            gap = (self.first_steps[-1][0] + 1, tail[0][0] - 1)
            at = next((j for j, e in enumerate(entries) if _entry_first(e) > gap[1]), len(entries))
            entries.insert(at, gap)
        shown, lines = 0, []
        for entry in reversed(entries):
            text = _entry_lines(entry)
            if lines and len(lines) + len(text) > limit:
                break
            lines[:0] = text
            shown += 1
        folded = any(len(e) == 3 for e in entries[len(entries) - shown :])
        head = (
            f"{head}, {'the last ' if shown < len(entries) else ''}"
            f"{sum(_entry_steps(e) for e in entries[len(entries) - shown :])} steps{what} "
            f"(of {self.step_count}){', with repeats folded' if folded else ''}"
            f"{'; a long run in the middle was not kept' if gap else ''}:"
        )
        return "\n".join([head, *lines])

    def _shared(self, steps: list[tuple]) -> set[int]:
        """The primitives (`primitive_key`) that two or more threads touched in `steps`
        (see `coursekit.explore.shared_keys`; a step marked `always` counts the clock or
        the test as a second party): a report leaves out the steps on anything else."""
        # `_waiting` copied in one step, without `_cond`: a caller may hold it (list() of
        # a dict's items does not let another thread in halfway).
        return shared_keys(
            ((s[4], s[1], True, s[5]) for s in steps if s[4] is not None),
            ((self.name(t), primitive_key(what)) for t, what in list(self._waiting.items())),
        )

    def holds(self, lock: TrackedLock, ident: int | None = None) -> bool:
        """Whether thread `ident` (default: the calling thread) holds `lock`."""
        ident = threading.get_ident() if ident is None else ident
        with self._cond:
            return self._holds.get(ident, {}).get(lock, 0) > 0

    def holders(self) -> dict[TrackedLock, int]:
        """Map each held TrackedLock to the ident of the thread holding it."""
        with self._cond:
            return {lock: t for t, held in self._holds.items() for lock in held}

    def wait_blocked(self, worker: Worker, timeout: float = 1.0, since: int | None = None) -> bool:
        """Wait until `worker` blocks in an instrumented primitive; False if it finished.

        With `since` (a value of `waits_started` read earlier), only a wait that
        began after that moment counts: a woken thread that goes back to waiting.
        At the timeout, return whether the worker is still running. If the object
        has no instrumented primitive (a design this module can't see into), give
        the worker a fixed 0.15 s to block instead.
        """
        if not self.instrumented:
            worker.wait(0.15)
            return not worker.done.is_set()
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                ident = worker.thread.ident
                if ident in self._waiting and (since is None or self._wait_seq[ident] >= since):
                    return True
                if worker.done.is_set() or time.monotonic() >= end:
                    return not worker.done.is_set()
                self._cond.wait(0.005)

    def name(self, ident: int) -> str:
        thread = self._threads.get(ident)
        # Thread's own name, bounded: a student's Thread subclass may make `name` lie or raise.
        return repr(thread_name(thread)) if thread else f"thread {ident}"

    def deadlock(self) -> tuple[str, bool] | None:
        """Describe a cycle of threads each waiting for a lock another holds, if any.

        Returns (description, spinning), where `spinning` says that some thread in
        the cycle keeps trying for its lock with non-blocking acquires instead of
        waiting. Waits with a timeout don't count: threads that wait with a timeout
        and then back off are not deadlocked (if they livelock, the deadline says so).
        """
        with self._cond:
            owner = {lock: t for t, held in self._holds.items() for lock in held}
            waits = {
                t: what
                for t, what in self._waiting.items()
                if isinstance(what, TrackedLock) and t not in self._timed
            }
            recent = time.monotonic() - 0.1
            tries = {
                t: lock
                for t, (lock, when) in self._trying.items()
                if when > recent and t not in waits
            }
            edges = {**waits, **tries}
            for start in edges:
                path, t = [], start
                while t in edges and t not in path:
                    path.append(t)
                    t = owner.get(edges[t])
                    if t is None:
                        break
                if t is not None and t in path:
                    cycle = path[path.index(t) :]
                    # Told from the same thread every time, whichever began to wait first.
                    first = min(range(len(cycle)), key=lambda k: self.name(cycle[k]))
                    cycle = cycle[first:] + cycle[:first]
                    self._last_cycle = frozenset(self.name(c) for c in cycle)
                    links = [
                        f"thread {self.name(c)} holds "
                        + ", ".join(lk.name for lk in self._holds.get(c, {}))
                        + (" and keeps trying for " if c in tries else " and waits for ")
                        + edges[c].name
                        for c in cycle
                    ]
                    text = "; ".join(links)
                    if len(text) > CYCLE_ON_ONE_LINE:
                        # A long cycle, a link a line, so that no report cuts it short.
                        text = f"a cycle of {len(cycle)} threads:\n  " + ";\n  ".join(links)
                    return text, any(c in tries for c in cycle)
            return None

    def wait_deadlock(self, workers: Worker | list[Worker], timeout: float) -> str | None:
        """Wait up to `timeout` for the workers to finish; describe the deadlock if they can't.

        Returns None when every worker finished. A cycle of blocked threads that
        persists for 50 ms ends the wait early, and so does a cycle of threads
        spinning on non-blocking acquires that persists for 0.5 s.
        """
        workers = [workers] if isinstance(workers, Worker) else list(workers)
        end = time.monotonic() + timeout
        first_seen = None
        while True:
            pending = [w for w in workers if not w.done.is_set()]
            if not pending:
                return None
            pending[0].wait(0.01)
            found = self.deadlock()
            now = time.monotonic()
            if found:
                text, spinning = found
                first_seen = first_seen or now
                if now - first_seen >= (0.5 if spinning else 0.05):
                    self.cycle_threads = self._last_cycle
                    return ("livelock: " if spinning else "deadlock: ") + text
            else:
                first_seen = None
            if now >= end:
                held = self.holders()
                detail = ", ".join(f"{lk.name} held by {self.name(t)}" for lk, t in held.items())
                return (
                    f"did not finish within {timeout:g} s (a deadlock, or threads spinning "
                    f"for ever?); {detail or 'no lock was held'}"
                )
