"""What the hidden suites' systematic explorations find, and what they cost, per solution.

Runs each exploration helper of the 02 and 03 suites (the part of a test that explores
before the forced schedules) on the reference, the correct alternatives and the known-wrong
solutions of its exercise, 3 times each, and prints one line per solution: the verdict, the
interleavings tried at the last bound, the runs in all, and the median time.

    .venv/bin/python scripts/explore_cost.py [name-filter]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.course import master_path, namespace_from, read_notebook  # noqa: E402
from autograder.suites import test_02_locks as t02  # noqa: E402
from autograder.suites import test_03_synchronization as t03  # noqa: E402

EXPLORATIONS = [
    ("02_locks", "safe_counter", "two increments", t02._explore_two_increments),
    ("02_locks", "transfer", "opposite transfers", t02._explore_opposite_transfers),
    (
        "02_locks",
        "transfer",
        "two overdrafts",
        lambda s: t02._explore_transfers(
            s, (100, 0, 0), [(0, 1, 60), (0, 2, 60)], t02._one_refused
        ),
    ),
    ("03_synchronization", "bounded_buffer", "two consumers", t03._explore_two_consumers),
    ("03_synchronization", "rw_lock", "readers and writer", t03._explore_two_readers_and_a_writer),
    ("03_synchronization", "channel", "senders, receivers", t03._explore_two_senders_two_receivers),
]


def student(assignment: str, path: Path | None) -> types.SimpleNamespace:
    nb = read_notebook(master_path(assignment))
    answers = {path.name.split("__")[0]: path.read_text()} if path else None
    with tempfile.TemporaryDirectory() as tmp:
        return types.SimpleNamespace(**namespace_from(nb, answers, workdir=tmp))


def main(only: str = "") -> None:
    for assignment, exercise, what, explore in EXPLORATIONS:
        paths: list[Path | None] = [None]
        for kind in ("alternatives", "mutants"):
            paths += sorted((ROOT / "autograder" / kind / assignment).glob(f"{exercise}__*.py"))
        for path in paths:
            name = "reference" if path is None else path.stem
            if only and only not in name:
                continue
            ns = student(assignment, path)
            times = []
            for _ in range(3):
                began = time.perf_counter()
                result = explore(ns)
                times.append(time.perf_counter() - began)
            if result.failed:
                verdict = "fails"
            elif result.inconclusive:
                verdict = f"inconclusive ({result.inconclusive})"
            else:
                verdict = "holds" if result.complete else "holds within the run limit"
            print(
                f"{what:18} {name:52} {verdict:44} interleavings={result.explored:<4} "
                f"runs={result.runs:<4} median={statistics.median(times):.3f}s",
                flush=True,
            )


if __name__ == "__main__":
    main(*sys.argv[1:2])
