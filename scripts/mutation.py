"""Mutation testing of the reference solutions with mutmut's mutation operators.

Each exercise's reference answer is extracted from its master notebook, mutmut
(``mutmut.mutation.file_mutation.create_mutations``) makes every single-point
mutant of it, and each mutant is spliced back into the notebook and graded by the
hidden suite exactly as ``python -m autograder mutants`` grades a known-wrong
solution (``namespace_from`` + ``run_suite``). A mutant that loses points is killed.
Results go to docs/mutation.md.

    python scripts/mutation.py [01_threads ...] [--minutes 30] [--max-per-exercise N] [--exercise X]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import libcst as cst
from mutmut.mutation import file_mutation
from mutmut.mutation.file_mutation import create_mutations, deep_replace

from autograder.course import (
    answer_sources,
    assignments,
    exercises,
    master_path,
    namespace_from,
    read_notebook,
    run_suite,
)

ROOT = Path(__file__).resolve().parent.parent

_skip = file_mutation.MutationVisitor._skip_node_and_children


def _skip_but_mutate_decorated(self, node):
    """mutmut skips every decorated function because its trampolines cannot wrap them.
    Here a mutant is spliced back as source, so no trampoline is needed: mutate the body
    of a decorated function (`@coroutine def grep`, `@functools.wraps`), never the
    decorator itself (mutmut still skips `Decorator` nodes)."""
    if isinstance(node, cst.FunctionDef) and node.decorators:
        return _skip(self, node.with_changes(decorators=()))
    return _skip(self, node)


file_mutation.MutationVisitor._skip_node_and_children = _skip_but_mutate_decorated

#: Hand triage of surviving mutants, by (exercise, text in the description):
#: ("equivalent", reason), ("needs a test", what the test should check), or ("killed since
#: <commit>", the test) for a row not re-run since; only "equivalent" leaves the score.
TRIAGE = {
    ("01_threads/heartbeat", "name="): ("equivalent", "the contract never names the thread"),
    ("01_threads/heartbeat", "heartbeat"): ("equivalent", "the contract never names the thread"),
    ("01_threads/run_with_deadline", "daemon"): (
        "equivalent",
        "run_with_deadline waits for every thread it starts (the contract says none is left "
        "running when it returns), so a thread's daemon flag could only matter if the "
        "interpreter exited while the caller was still blocked in it, which the contract "
        "does not cover",
    ),
    ("01_threads/run_with_deadline", "`True` -> `False`"): (
        "equivalent", "the daemon flag of the worker or timer thread: as above",
    ),
    ("02_locks/transfer", "Error(None)"): ("equivalent", "the contract does not fix the message"),
    ("03_synchronization/dining_philosophers", "name="): ("equivalent", "thread names are not in the contract"),
    ("03_synchronization/dining_philosophers", "args=(i,), )"): ("equivalent", "thread names are not in the contract"),
    ("03_synchronization/rw_lock", "_writing = None"): ("equivalent", "None and False are both falsy"),
    ("04_gil/median_time", "Error(None)"): ("equivalent", "the contract does not fix the message"),
    ("06_coroutines/borrow", "cancelled = None"): ("equivalent", "None and False are both falsy"),
    ("07_multiprocessing/count_primes_parallel", "`4` -> `5`"): (
        "equivalent", "five pieces per worker instead of four: more pieces than workers is fine",
    ),
    ("07_multiprocessing/count_primes_parallel", "+(-limit // pieces)"): (
        "equivalent", "the step becomes max(1, negative) = 1: pieces of one number each, which "
        "are at least `workers` pieces of the same length, as the contract allows",
    ),
    ("07_multiprocessing/count_primes_parallel", "`-limit` -> `+limit`"): (
        "equivalent", "the step becomes 1, as above",
    ),
    ("07_multiprocessing/count_primes_parallel", "`0` -> `1`"): (
        "equivalent", "the pieces start at 1, leaving out 0, which is not prime: every count is "
        "the same and the pieces still cover every candidate",
    ),
    ("07_multiprocessing/shared_counter", "ctx.Value(\"q\", )"): (
        "equivalent", "a ctypes Value starts at 0 when no initial value is given",
    ),
    ("07_multiprocessing/shared_counter", "`\"q\"` -> `\"Q\"`"): (
        "equivalent", "unsigned instead of signed 64 bits: the counts are never negative",
    ),
    ("07_multiprocessing/pipe_pingpong", "`break` -> `return`"): (
        "equivalent", "the child returns without closing its end; its exit closes it",
    ),
    ("08_benchmarks/amdahl_speedup", "Error(None)"): ("equivalent", "the contract does not fix the message"),
    ("08_benchmarks/gustafson_speedup", "Error(None)"): ("equivalent", "the contract does not fix the message"),
    ("08_benchmarks/karp_flatt", "Error(None)"): ("equivalent", "the contract does not fix the message"),
    ("08_benchmarks/plot_speedup", "figsize"): ("equivalent", "the contract does not fix the figure's size"),
    ("08_benchmarks/plot_speedup", "`6` -> `7`"): ("equivalent", "the figure's size, as above"),
    ("08_benchmarks/plot_speedup", "`4.2` -> `5.2`"): ("equivalent", "the figure's size, as above"),
    ("08_benchmarks/plot_speedup", "\"k--\""): (
        "equivalent", "the ideal line's style (dashed, black) is not in the contract",
    ),
    ("08_benchmarks/plot_speedup", "ax.plot([workers[0], workers[-1]], [workers[0], workers[-1]]"): (
        "equivalent", "the ideal line's style (cut short in this row): not in the contract",
    ),
    ("08_benchmarks/plot_speedup", "ideal"): (
        "equivalent", "the suite reads 'labelled \"ideal\"' as a label that names the ideal line "
        "(an alternative labels it 'ideal (speedup = workers)'), and these still do",
    ),
    ("08_benchmarks/plot_speedup", "scale("): ("equivalent", "log scales are optional in the contract"),
    ("08_benchmarks/plot_speedup", "`2` -> `3`"): ("equivalent", "the log base: log scales are optional"),
    ("08_benchmarks/plot_speedup", "set_xticks"): ("equivalent", "tick labels are not in the contract"),
    ("08_benchmarks/plot_speedup", "str(None)"): ("equivalent", "tick labels are not in the contract"),
    ("08_benchmarks/plot_speedup", "workers\"` -> `"): (
        "equivalent", "the x label still mentions workers (the check ignores case)",
    ),
    ("08_benchmarks/plot_speedup", "speedup over serial"): (
        "equivalent", "the y label still mentions the speedup (the check ignores case)",
    ),
    ("08_benchmarks/plot_speedup", "grid"): ("equivalent", "a grid is not in the contract"),
    ("08_benchmarks/plot_speedup", "`True` -> `False`"): ("equivalent", "the grid switch: not in the contract"),
    ("09_beyond_the_gil/once_per_key", "\"ok\""): (
        "equivalent", "an internal tag, only ever compared with \"error\"",
    ),
    ("09_beyond_the_gil/interpreter_map", "except Exception as exc:  # an exception that cannot"): (
        "equivalent", "the code for an outcome that cannot be pickled: the contract lets the "
        "student assume every result and exception can be",
    ),
    ("09_beyond_the_gil/interpreter_map", "RuntimeError(f'{type(exc)"): (
        "equivalent", "the code for an outcome that cannot be pickled, as above",
    ),
    ("09_beyond_the_gil/interpreter_map", "answer = pickle.dumps(('error'"): (
        "equivalent", "the code for an outcome that cannot be pickled, as above",
    ),
    ("09_beyond_the_gil/interpreter_map", "timeout="): (
        "equivalent", "how long to wait for a subinterpreter's answer: it only matters if one "
        "hangs, which no contract sentence covers",
    ),
    ("09_beyond_the_gil/interpreter_map", "`10` -> `11`"): ("equivalent", "the same time limit, as above"),
    ("09_beyond_the_gil/interpreter_map", "`2` -> `3`"): (
        "killed since 5417cf4",
        "the signature's default workers=2: test_at_most_workers_and_all_closed now calls it "
        "without workers (known-wrong interpreter_map__three_workers_by_default); this row is "
        "from the run before, so it still counts against the score",
    ),
    ("09_beyond_the_gil/interpreter_map", "crashes"): (
        "equivalent", "the path for a subinterpreter that cannot even run the setup (the module "
        "cannot be imported there): the contract has the module importable",
    ),
    ("09_beyond_the_gil/interpreter_map", "`0` -> `1`"): (
        "equivalent", "crashes[0] -> crashes[1]: the same crash path, as above",
    ),
    ("05_queues/consumer_thread", "daemon"): (
        "equivalent", "close() joins the thread, so the daemon flag is never observable",
    ),
    ("05_queues/consumer_thread", "`True` -> `False`"): (
        "equivalent", "close() joins the thread, so the daemon flag is never observable",
    ),
    ("05_queues/consumer_thread", "name="): ("equivalent", "the contract never names the thread"),
    ("05_queues/consumer_thread", "consumer"): ("equivalent", "the contract never names the thread"),
    ("05_queues/consumer_thread", "`break` -> `return`"): (
        "equivalent", "inside try/finally, `return` and `break` both run the finally block and end run()",
    ),
    ("05_queues/parallel_map", "Error(None)"): ("equivalent", "the contract does not fix the message"),
    ("05_queues/parallel_map", "stop = None"): (
        "equivalent", "tasks are (index, item) tuples, so None can never be mistaken for one",
    ),
    ("05_queues/parallel_map", "`continue` -> `break`"): (
        "equivalent", "after a failure a worker stops instead of draining: the contract lets "
        "calls that had not started be skipped, and every worker still ends before the raise",
    ),
    ("05_queues/parallel_map", "daemon"): (
        "equivalent", "parallel_map joins every worker before it returns or raises",
    ),
    ("05_queues/parallel_map", "`True` -> `False`"): (
        "equivalent", "parallel_map joins every worker before it returns or raises",
    ),
    ("05_queues/parallel_map", "todo.put(None)"): (
        "equivalent", "each worker then ends by a TypeError (unpacking None) after the last item "
        "instead of at its sentinel; results, errors and the join are the same, and the "
        "contract says nothing of how a worker thread ends",
    ),
    ("05_queues/pipeline", "Error(None)"): ("equivalent", "the contract does not fix the message"),
    ("05_queues/pipeline", "`continue` -> `break`"): (
        "equivalent", "after a failure a worker stops instead of draining: the contract lets "
        "the remaining items be skipped, and every thread still ends before the raise",
    ),
    ("05_queues/pipeline", "strict="): ("equivalent", "zip's strict defaults to False"),
    ("05_queues/pipeline", "args=(stage, inbox, outbox), d"): (
        "equivalent", "the daemon flag (cut short in this row): run_pipeline joins every thread",
    ),
    ("05_queues/pipeline", "daemon"): (
        "equivalent", "run_pipeline joins every thread before it returns or raises",
    ),
    ("05_queues/pipeline", "`True` -> `False`"): (
        "equivalent", "run_pipeline joins every thread before it returns or raises",
    ),
}


def triage(name: str, desc: str) -> str:
    for (ex, key), (kind, why) in TRIAGE.items():
        if ex == name and key in desc:
            return f"**{kind}**: {why}"
    return "untriaged"


OUT = ROOT / "docs" / "mutation.md"
DATA = ROOT / "docs" / "mutation.json"


def split_magic(source: str) -> tuple[str, str]:
    """A cell's leading cell magic (``%%writefile x.py``) and its Python body."""
    if source.startswith("%%"):
        head, _, body = source.partition("\n")
        return head + "\n", body
    return "", source


def _brief(old: str, new: str, width: int = 60) -> tuple[str, str]:
    """Both sides of a change cut to `width`, from a little before where they differ.

    >>> _brief("f(a, b, daemon=True)", "f(a, b, daemon=None)", width=14)
    ('…b, daemon=True', '…b, daemon=None')
    """
    same = next((i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y),
                min(len(old), len(new)))
    start = max(0, same - 10) if max(len(old), len(new)) > width else 0
    cut = "…" if start else ""
    return cut + old[start:start + width], cut + new[start:start + width]


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
        old = cst.Module([]).code_for_node(m.original_node).strip().splitlines()[0]
        mut = (cst.Module([]).code_for_node(m.mutated_node).strip().splitlines() or [""])[0]
        outer = getattr(m.contained_by_top_level_function, "name", None)
        where = outer.value if outer is not None else "?"
        old, mut = _brief(old, mut)
        out.append((head + code, f"{where}: `{old}` -> `{mut}`"))
    return out


def run(names: list[str], seconds: float, cap: int, only: str = "") -> tuple[list[dict], list[str]]:
    stop = time.monotonic() + seconds
    rows, skipped = [], []
    for assignment in names:
        nb = read_notebook(master_path(assignment))
        answers = answer_sources(nb)
        for ex in exercises(nb):
            if only and ex.grade_id != only:
                continue
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


def _is_equivalent(name: str, desc: str) -> bool:
    return triage(name, desc).startswith("**equivalent**")


def report(rows: list[dict], minutes: dict[str, float]) -> str:
    """docs/mutation.md from every exercise's latest row (runs of different exercises merge)."""
    lines = [
        "# Mutation testing of the reference solutions",
        "",
        "Generated by `make test-mutation` (scripts/mutation.py): mutmut's operators mutate",
        "each reference answer; each mutant is graded by the hidden suite the way",
        "`python -m autograder mutants` grades a known-wrong solution. Killed = lost points",
        "(a timeout also loses points and is counted apart). Equivalent mutants are only",
        "those triaged by hand below (TRIAGE in scripts/mutation.py); they are left out of",
        "the score. Untriaged survivors count against it.",
        "",
        "Each row is the latest run of its exercise; `docs/mutation.json` keeps the rows,",
        "so a run over some assignments (`make test-mutation NAMES=04_gil`) updates only theirs.",
        "",
        "| exercise | mutants | graded | killed | timeout | survived | equivalent | score | run at |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        dead = r["killed"] + r["timeout"]
        equivalent = sum(_is_equivalent(r["name"], d) for d in r["survived"])
        judged = r["run"] - equivalent
        score = f"{100 * dead / judged:.0f}%" if judged else "n/a"
        lines.append(f"| {r['name']} | {r['total']} | {r['run']} | {r['killed']} | {r['timeout']}"
                     f" | {len(r['survived']) - equivalent} | {equivalent} | {score}"
                     f" | {r.get('commit', '?')} |")
    done = {r["name"] for r in rows}
    missing = [f"{a}/{ex.grade_id}" for a in assignments()
               for ex in exercises(read_notebook(master_path(a))) if f"{a}/{ex.grade_id}" not in done]
    partial = [f"{r['name']} ({r['run']} of {r['total']} mutants graded before the time ran out)"
               for r in rows if r["run"] < r["total"]]
    lines += ["", "## Not run, or not run whole", ""] + [f"- {s}" for s in missing + partial or ["(none)"]]
    if minutes:
        lines += ["", "Time budgets of the runs: " + ", ".join(
            f"{k}: {v:g} min" for k, v in sorted(minutes.items())) + "."]
    lines += ["", "## Surviving mutants, triaged", ""]
    for r in rows:
        for d in r["survived"]:
            lines.append(f"- {r['name']}: {d} — {triage(r['name'], d)}")
    return "\n".join(lines) + "\n"


GRADING = ROOT / "docs" / "grading.md"
TABLE_START, TABLE_END = "<!-- mutation-table -->", "<!-- /mutation-table -->"


def score_table(rows: list[dict]) -> str:
    """The per-exercise table of docs/grading.md: killed of the non-equivalent mutants."""
    lines = ["| exercise | killed / non-equivalent mutants | score |", "|---|---|---|"]
    below = []
    for r in rows:
        assignment, exercise = r["name"].split("/")
        equivalent = sum(_is_equivalent(r["name"], d) for d in r["survived"])
        judged = r["run"] - equivalent
        dead = r["killed"] + r["timeout"]
        cut = f" graded ({r['total'] - r['run']} cut off by the time budget)" if r["run"] < r["total"] else ""
        score = 100 * dead / judged if judged else 100.0
        lines.append(f"| {assignment[:2]} `{exercise}` | {dead} / {judged}{cut} | {score:.0f}% |")
        if judged and score < 90:
            below.append(f"`{exercise}`")
    lines.append("")
    lines.append(
        "Below the 90% target: " + (", ".join(below) if below else "none") + "."
        if rows else "No run yet."
    )
    return "\n".join(lines)


def update_grading_doc(rows: list[dict]) -> None:
    """Put the table between the markers in docs/grading.md."""
    text = GRADING.read_text(encoding="utf-8")
    head, _, rest = text.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    GRADING.write_text(f"{head}{TABLE_START}\n{score_table(rows)}\n{TABLE_END}{tail}", encoding="utf-8")


def _commit() -> str:
    import subprocess

    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    return out.stdout.strip() or "?"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("names", nargs="*")
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--max-per-exercise", type=int, default=0)
    p.add_argument("--exercise", default="", help="run only this exercise's mutants")
    a = p.parse_args()
    names = a.names or assignments()
    rows, skipped = run(names, a.minutes * 60, a.max_per_exercise, a.exercise)
    commit = _commit()
    saved = json.loads(DATA.read_text()) if DATA.exists() else {"rows": [], "minutes": {}}
    by_name = {r["name"]: r for r in saved["rows"]}
    for r in rows:
        if r["run"]:
            by_name[r["name"]] = dict(r, commit=commit)
    order = [f"{x}/{ex.grade_id}" for x in assignments() for ex in exercises(read_notebook(master_path(x)))]
    merged = [by_name[n] for n in order if n in by_name]
    minutes = dict(saved.get("minutes", {}))
    if not a.exercise:
        minutes.update({x: a.minutes for x in names})
    DATA.write_text(json.dumps({"rows": merged, "minutes": minutes}, indent=1) + "\n")
    OUT.write_text(report(merged, minutes), encoding="utf-8")
    update_grading_doc(merged)
    print(f"wrote {OUT}; not run this time: {', '.join(skipped) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
