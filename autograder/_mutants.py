"""Known-wrong solutions and correct ones in other styles, and the proof of the hidden
suites: every known-wrong solution loses points, the same number on every run, and the
reference and every alternative score full marks."""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile

from ._notebook import PACKAGE, assignments, exercises, master_path, namespace_from, read_notebook


@dataclasses.dataclass(frozen=True)
class Mutant:
    """A known-wrong answer to one exercise, kept to prove the hidden suite rejects it."""

    assignment: str
    name: str
    exercise: str
    source: str

    @property
    def description(self) -> str:
        match = re.search(r'"""(.*?)(?:"""|\n)', self.source, re.S)
        return match.group(1).strip() if match else self.name


def mutants(assignment: str, kind: str = "mutants") -> list[Mutant]:
    """Known-wrong answers (``mutants/``), or correct ones in other styles (``alternatives/``)."""
    folder = PACKAGE / kind / assignment
    out = []
    for path in sorted(folder.glob("*.py")):
        exercise = path.stem.split("__", 1)[0]
        out.append(Mutant(assignment, path.stem, exercise, path.read_text(encoding="utf-8")))
    return out


def demo_roles(assignment: str) -> dict[str, list[str]]:
    """Map a demo student (buggy, deadlock, loop, ...) to the mutants in their submission."""
    path = PACKAGE / "mutants" / assignment / "demo.json"
    return json.loads(path.read_text()) if path.exists() else {}


@dataclasses.dataclass
class Verdict:
    assignment: str
    name: str
    exercise: str
    scores: list[float]
    points: float
    expect_full: bool
    failures: list[str]
    #: the titles of the tests that failed, one sorted list per run
    runs: list[list[str]] = dataclasses.field(default_factory=list)
    #: whether some failing test's report showed the schedule that broke the code
    scheduled: bool = False
    #: a failing test's report shows a schedule found by the systematic explorer
    explored: bool = False

    @property
    def flipping(self) -> list[str]:
        """Tests that failed in some runs and passed in others: why a score varies."""
        seen = [set(r) for r in self.runs]
        if not seen:
            return []
        return sorted(set().union(*seen) - set.intersection(*seen))

    @property
    def stable(self) -> bool:
        """The same score on every run: a regrade must never change a mark."""
        return len(set(self.scores)) <= 1

    @property
    def ok(self) -> bool:
        if not self.stable:
            return False
        if self.expect_full:
            return all(s == self.points for s in self.scores)
        return all(s < self.points for s in self.scores)


#: What a report's reason starts a schedule with (autograder.instruments.Registry, and
#: the explorer's, which goes on "(found by systematic exploration").
SCHEDULE_MARK = "The schedule that failed"
EXPLORED_MARK = "The schedule that failed (found by systematic exploration"
#: Assignments whose reports should show schedules (issue 13: locks and synchronization).
SCHEDULED = ("02_locks", "03_synchronization")
#: Known-wrong solutions of those assignments whose bug is not a race, a lost wake-up or a
#: deadlock: they lose points for something a single thread shows, so no interleaving
#: explains it, and the schedule figure leaves them out (saying so).
NOT_A_SCHEDULE_BUG = {
    "safe_counter__count_in_a_list": "the count is a list, not an int",
    "transfer__account_has_no_real_lock": "a new Account's lock is None",
    "transfer__credits_twice_lying_balance": "the balance is not an int",
    "transfer__keeps_locks_after_error": "a refused transfer keeps its locks, one thread is enough",
    "bounded_buffer__none_marks_a_free_slot": "None cannot be stored, one thread is enough",
    "bounded_buffer__wraps_a_queue": "built on queue.Queue instead of threading primitives",
    "channel__none_means_no_item": "None cannot be sent, one thread is enough",
    "dining_philosophers__one_fork_lying_seat": "eat() is given a number that is not an int",
    "rw_lock__context_managers_leak_on_error": "reading()/writing() keep the lock when the body raises",
}


def _record(v: Verdict, r) -> None:
    failed = sorted(t.title for t in r.tests if not t.passed) + ([r.error] if r.error else [])
    v.scores.append(r.score)
    v.failures += failed
    v.runs.append(failed)
    v.scheduled = v.scheduled or any(SCHEDULE_MARK in t.reason for t in r.tests if not t.passed)
    v.explored = v.explored or any(EXPLORED_MARK in t.reason for t in r.tests if not t.passed)


def _grade(
    v: Verdict, nb, repeats: int, prefix: str, answers: dict[str, str] | None = None
) -> Verdict:
    """Grade `v`'s exercise in `nb` (with `answers` put in) `repeats` times; record each run.

    Every run gets a temporary folder of its own, named ``prefix...``.
    """
    from ._harness import run_suite  # pytest and the harness, only when checking

    for _ in range(repeats):
        # %%writefile cells write their modules into a private folder, not the cwd.
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            ns = namespace_from(nb, answers, workdir=tmp)
            r = run_suite(v.assignment, v.exercise, ns, v.points)
        _record(v, r)
    return v


def check_assignment(
    assignment: str, repeats: int = 1, only: str = "", exercise: str = ""
) -> list[Verdict]:
    """Run the reference and every mutant of `assignment` `repeats` times each.

    `only` keeps the solutions whose name (``exercise__what``) contains it;
    `exercise` keeps one exercise's reference, alternatives and mutants.
    """
    nb = read_notebook(master_path(assignment))
    points = {ex.grade_id: ex.points for ex in exercises(nb)}
    verdicts = []
    for ex in exercises(nb):
        if only not in ex.grade_id or (exercise and ex.grade_id != exercise):
            continue
        v = Verdict(assignment, f"{ex.grade_id} (reference)", ex.grade_id, [], ex.points, True, [])
        verdicts.append(_grade(v, nb, repeats, "reference-"))
    # Correct answers written in other styles than the reference's: full marks, every time.
    for alt in mutants(assignment, "alternatives"):
        if only not in alt.name or (exercise and alt.exercise != exercise):
            continue
        if alt.exercise not in points:
            raise LookupError(
                f"alternative {alt.name}: no exercise {alt.exercise!r} in {assignment}"
            )
        v = Verdict(
            assignment, f"{alt.name} (correct)", alt.exercise, [], points[alt.exercise], True, []
        )
        verdicts.append(_grade(v, nb, repeats, "alternative-", {alt.exercise: alt.source}))
    for m in mutants(assignment):
        if only not in m.name or (exercise and m.exercise != exercise):
            continue
        if m.exercise not in points:
            raise LookupError(f"mutant {m.name}: no exercise {m.exercise!r} in {assignment}")
        v = Verdict(assignment, m.name, m.exercise, [], points[m.exercise], False, [])
        verdicts.append(_grade(v, nb, repeats, "mutant-", {m.exercise: m.source}))
    return verdicts


def main(
    names: list[str], repeats: int = 1, as_json: bool = False, only: str = "", exercise: str = ""
) -> int:
    bad = 0
    rows = []
    for assignment in names or assignments():
        for v in check_assignment(assignment, repeats, only, exercise):
            bad += not v.ok
            rows.append({**dataclasses.asdict(v), "ok": v.ok, "flipping": v.flipping})
            if not as_json:
                status = "ok " if v.ok else ("UNSTABLE" if not v.stable else "BAD")
                scores = ", ".join(f"{s:g}" for s in v.scores)
                print(f"{status} {v.assignment} {v.name:48} [{scores}] / {v.points:g}", flush=True)
                for title in v.flipping:
                    print(f"      varies: {title}", flush=True)
    wrong = [r for r in rows if r["assignment"] in SCHEDULED and not r["expect_full"]]
    if wrong and not as_json:
        racy = [r for r in wrong if r["name"] not in NOT_A_SCHEDULE_BUG]
        shown = [r for r in racy if r["scheduled"]]
        print(
            f"schedules: {len(shown)} of {len(racy)} known-wrong solutions of "
            f"{' and '.join(sorted({r['assignment'] for r in wrong}))} that lose points for a "
            "concurrency bug show the schedule that broke them in a failing test's report"
            + (f" ({100 * len(shown) / len(racy):.0f}%)" if racy else "")
        )
        explored = [r for r in racy if r["explored"]]
        print(
            f"explored: {len(explored)} of those {len(racy)} show a schedule that the systematic "
            "explorer found (the others, a forced one)"
        )
        for r in racy:
            if not r["scheduled"]:
                print(f"      no schedule: {r['name']}")
        for r in wrong:
            if r["name"] in NOT_A_SCHEDULE_BUG:
                print(f"      not counted: {r['name']} ({NOT_A_SCHEDULE_BUG[r['name']]})")
    if as_json:
        print(json.dumps(rows))
    else:
        print(f"{bad} problem(s)")
    return 1 if bad else 0
