"""Folding a forced schedule's repeats, and how a report shows a schedule."""

from __future__ import annotations

#: Steps of a forced schedule shown in a failure report (the last ones, where it failed).
SHOWN_STEPS = 12
#: Steps a Registry keeps from the start of a test, however many come after.
FIRST_STEPS = 40
#: How a report begins a schedule (``autograder._mutants.SCHEDULE_MARK`` looks for it).
SCHEDULE_HEAD = "The schedule that failed (forced, so a re-run repeats it)"


def fold_repeats(steps: list[tuple[int, str, str, str]], longest: int = 6, least: int = 3) -> list:
    """Fold each run of a block of steps repeated `least` or more times into one entry.

    `steps` are (number, thread, what, where). A loop that spins or polls makes the
    same few steps over and over; what matters is the block and how often it ran.
    An entry is a step, or (first step, times, the block's steps). Steps missing
    from the numbering (dropped from the middle of a long run) start a new block.

    >>> s = [(1, "a", "x", "")] + [(k, "b", "y" if k % 2 else "z", "") for k in range(2, 12)]
    >>> [e if len(e) == 4 else (e[0][0], e[1], len(e[2])) for e in fold_repeats(s)]
    [(1, 'a', 'x', ''), (2, 5, 2)]
    """
    keys = [(who, did, where) for _k, who, did, where in steps]
    entries: list = []
    i = 0
    while i < len(steps):
        best = (0, 0)  # (steps covered, period)
        for period in range(1, longest + 1):
            times = 1
            while (
                i + (times + 1) * period <= len(steps)
                and keys[i + times * period : i + (times + 1) * period] == keys[i : i + period]
                and steps[i + (times + 1) * period - 1][0] - steps[i][0] == (times + 1) * period - 1
            ):
                times += 1
            if times >= least and times * period > best[0]:
                best = (times * period, period)
        if best[0]:
            covered, period = best
            entries.append((steps[i], covered // period, steps[i : i + period]))
            i += covered
        else:
            entries.append(steps[i])
            i += 1
    return entries


def _entry_steps(entry: tuple) -> int:
    if len(entry) == 2:  # steps not kept
        return 0
    return entry[1] * len(entry[2]) if len(entry) == 3 else 1


def _entry_first(entry: tuple) -> int:
    return entry[0] if len(entry) == 2 else (entry[0][0] if len(entry) == 3 else entry[0])


def _entry_lines(entry: tuple) -> list[str]:
    """A step's line, or a folded block's: its first and last step numbers and count."""
    if len(entry) == 2:
        return [f"  {entry[0]:>3}-{entry[1]}. (not kept: a long run of steps)"]
    if len(entry) == 4:
        k, who, did, where = entry
        return [f"  {k:>3}. {who}: {did}" + (f"  ({where})" if where else "")]
    first, times, block = entry
    last = first[0] + times * len(block) - 1
    lines = [f"  {first[0]:>3}-{last}. these {len(block)} step(s), {times} times over:"]
    for _k, who, did, where in block:
        lines.append(f"        {who}: {did}" + (f"  ({where})" if where else ""))
    return lines
