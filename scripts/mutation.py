"""Mutation testing of the reference solutions with mutmut's mutation operators.

Each exercise's reference answer is extracted from its master notebook, mutmut
(``mutmut.mutation.file_mutation.create_mutations``) makes every single-point
mutant of it, and each mutant is spliced back into the notebook and graded by the
hidden suite exactly as ``python -m autograder mutants`` grades a known-wrong
solution (``namespace_from`` + ``run_suite``). A mutant that loses points is killed.
Results go to docs/mutation.md.

    python scripts/mutation.py [01_threads ...] [--minutes 30] [--max-per-exercise N]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import libcst as cst
from mutmut.mutation.file_mutation import create_mutations, deep_replace

from autograder._harness import run_suite
from autograder._notebook import (
    answer_sources,
    assignments,
    exercises,
    master_path,
    namespace_from,
    read_notebook,
)

ROOT = Path(__file__).resolve().parent.parent

#: Hand triage of surviving mutants, by (exercise, text in the description):
#: ("equivalent", reason) or ("needs a test", what the test should check).
TRIAGE = {
    ("01_threads/heartbeat", "name="): ("equivalent", "the contract never names the thread"),
    ("01_threads/heartbeat", "heartbeat"): ("equivalent", "the contract never names the thread"),
    ("01_threads/run_with_deadline", "daemon"): (
        "needs a test",
        "a worker still running at interpreter exit must not keep the process alive "
        "(or: the contract should say whether the thread is a daemon)",
    ),
    ("01_threads/run_with_deadline", "`True` -> `False`"): (
        "needs a test", "same as above: the daemon flag of the worker/timer thread",
    ),
    ("02_locks/transfer", "self.lock = None"): (
        "needs a test", "the contract says acct.lock is a threading.Lock: check the student's Account",
    ),
    ("02_locks/transfer", "ValueError(None)"): ("equivalent", "the contract does not fix the message"),
    ("03_synchronization/dining_philosophers", "name="): ("equivalent", "thread names are not in the contract"),
    ("03_synchronization/dining_philosophers", "args=(i,), )"): ("equivalent", "thread names are not in the contract"),
    ("03_synchronization/rw_lock", "_writing = None"): ("equivalent", "None and False are both falsy"),
    ("03_synchronization/rw_lock", "_readers = 1"): (
        "needs a test", "two readers inside, one leaves: a writer must still wait for the other",
    ),
    ("03_synchronization/rw_lock", "_writers_waiting = 1"): (
        "needs a test", "two writers waiting, one gets in: readers must still wait for the other",
    ),
}


def triage(name: str, desc: str) -> str:
    for (ex, key), (kind, why) in TRIAGE.items():
        if ex == name and key in desc:
            return f"**{kind}**: {why}"
    return "untriaged"
OUT = ROOT / "docs" / "mutation.md"


def split_magic(source: str) -> tuple[str, str]:
    """A cell's leading cell magic (``%%writefile x.py``) and its Python body."""
    if source.startswith("%%"):
        head, _, body = source.partition("\n")
        return head + "\n", body
    return "", source


def mutants_of(source: str) -> list[tuple[str, str]]:
    """(mutated source, one-line description) for every mutmut mutant of `source`."""
    head, body = split_magic(source)
    with tempfile.TemporaryDirectory(prefix="mutmut-src-") as tmp:
        path = Path(tmp) / "solution.py"  # mutmut reads its pragmas from the file
        path.write_text(body, encoding="utf-8")
        # mutmut loads its configuration from the working directory's setup.cfg
        (Path(tmp) / "setup.cfg").write_text("[mutmut]\nsource_paths=solution.py\n")
        here = os.getcwd()
        os.chdir(tmp)
        try:
            module, mutations, _, _ = create_mutations(str(path), body)
        finally:
            os.chdir(here)
    out = []
    for m in mutations:
        new = deep_replace(module, m.original_node, m.mutated_node)
        code = new.code if isinstance(new, cst.Module) else body
        if code == body:
            continue
        old = cst.Module([]).code_for_node(m.original_node).strip().splitlines()[0][:60]
        mut = cst.Module([]).code_for_node(m.mutated_node).strip().splitlines()
        where = m.contained_by_top_level_function.name.value if m.contained_by_top_level_function else "?"
        out.append((head + code, f"{where}: `{old}` -> `{(mut[0] if mut else '')[:60]}`"))
    return out


def run(names: list[str], seconds: float, cap: int) -> tuple[list[dict], list[str]]:
    stop = time.monotonic() + seconds
    rows, skipped = [], []
    for assignment in names:
        nb = read_notebook(master_path(assignment))
        answers = answer_sources(nb)
        for ex in exercises(nb):
            if time.monotonic() > stop:
                skipped.append(f"{assignment}/{ex.grade_id}")
                continue
            try:
                muts = mutants_of(answers[ex.grade_id])
            except Exception as e:  # a cell mutmut cannot parse (line magics)
                skipped.append(f"{assignment}/{ex.grade_id} (not parsed: {type(e).__name__})")
                continue
            row = {"name": f"{assignment}/{ex.grade_id}", "killed": 0, "survived": [],
                   "timeout": 0, "total": len(muts), "run": 0}
            for source, desc in muts[: cap or None]:
                if time.monotonic() > stop:
                    break
                with tempfile.TemporaryDirectory(prefix="mutmut-") as tmp:
                    try:
                        ns = namespace_from(nb, {ex.grade_id: source}, workdir=tmp)
                    except Exception:
                        row["killed"] += 1  # the notebook no longer runs: no marks
                        row["run"] += 1
                        continue
                    r = run_suite(assignment, ex.grade_id, ns, ex.points)
                row["run"] += 1
                if r.score < ex.points:
                    if r.error and "time" in r.error.lower():
                        row["timeout"] += 1
                    else:
                        row["killed"] += 1
                else:
                    row["survived"].append(desc)
                print(f"{row['name']} {row['run']}/{len(muts)} {r.score:g}/{ex.points:g} {desc}",
                      flush=True)
            rows.append(row)
    return rows, skipped


def report(rows: list[dict], skipped: list[str], minutes: float) -> str:
    lines = [
        "# Mutation testing of the reference solutions",
        "",
        "Generated by `make test-mutation` (scripts/mutation.py): mutmut's operators mutate",
        "each reference answer; each mutant is graded by the hidden suite the way",
        "`python -m autograder mutants` grades a known-wrong solution. Killed = lost points",
        "(a timeout also loses points and is counted apart). Equivalent mutants are only",
        "those triaged by hand below; untriaged survivors count against the score.",
        f"Time budget of this run: {minutes:g} min.",
        "",
        "| exercise | mutants | graded | killed | timeout | survived | equivalent | score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        dead = r["killed"] + r["timeout"]
        score = f"{100 * dead / r['run']:.0f}%" if r["run"] else "n/a"
        lines.append(f"| {r['name']} | {r['total']} | {r['run']} | {r['killed']} | {r['timeout']}"
                     f" | {len(r['survived'])} | 0 | {score} |")
    lines += ["", "## Not run", ""] + [f"- {s}" for s in skipped or ["(none)"]]
    lines += ["", "## Surviving mutants, triaged", ""]
    for r in rows:
        for d in r["survived"]:
            lines.append(f"- {r['name']}: {d} — {triage(r['name'], d)}")
    return "\n".join(lines) + "\n"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("names", nargs="*")
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--max-per-exercise", type=int, default=0)
    a = p.parse_args()
    rows, skipped = run(a.names or assignments(), a.minutes * 60, a.max_per_exercise)
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "mutation.json").write_text(json.dumps({"rows": rows, "skipped": skipped}))
    OUT.write_text(report(rows, skipped, a.minutes), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
