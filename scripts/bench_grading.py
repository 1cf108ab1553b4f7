"""Measure grading throughput: plain serial `nbgrader autograde` against the parallel command.

Both grade the same submissions (right, blank and known-wrong answers of
several assignments) in two copies of one course, in one run; the script
checks that the two gradebooks agree cell for cell and prints the ratio and
the cost per submission::

    .venv/bin/python scripts/bench_grading.py                      # 2 assignments, 12 each
    .venv/bin/python scripts/bench_grading.py --jobs 4 --per-assignment 20 \\
        --assignments 01_threads 05_queues --json build/bench_grading.json

Timings depend on what else the machine is doing: the load averages before
and after each phase are printed with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from autograder.course import (  # noqa: E402
    demo_roles,
    mutants,
    nbgrader,
    new_course,
    read_notebook,
    replace_answers,
    sample_submission,
)


def submissions(root: Path, assignment: str, count: int) -> list[str]:
    """Submit `count` students: right, blank, the demo roles, then one mutant each."""
    release_nb = read_notebook(root / "release" / assignment / f"{assignment}.ipynb")
    plan = [("right", None), ("blank", None)] + [(r, None) for r in demo_roles(assignment)]
    plan += [("right", m) for m in mutants(assignment)]
    students = []
    for i in range(count):
        role, mutant = plan[i % len(plan)]
        if mutant is not None:
            nb = replace_answers(release_nb, {mutant.exercise: mutant.source})
            student = f"s{i:03d}_{mutant.name}"[:60]
        else:
            nb = sample_submission(assignment, release_nb, role)
            student = f"s{i:03d}_{role}"
        dest = root / "submitted" / student / assignment
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / f"{assignment}.ipynb")
        students.append(student)
    return students


def gradebook(root: Path) -> dict:
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                for nb in sub.notebooks:
                    for g in nb.grades:
                        key = (assignment.name, sub.student.id, g.name)
                        rows[key] = (g.auto_score, g.manual_score, g.needs_manual_grade)
    return rows


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def timed(label: str, func) -> float:
    print(f"{label} ... (load {load()})", flush=True)
    start = time.perf_counter()
    func()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.1f} s (load {load()})", flush=True)
    return seconds


def kernel_starts(rounds: int = 5) -> dict:
    """Median seconds to start a grading kernel, get its first reply and stop it.

    Sandboxed (namespaces and a cgroup) and unsandboxed starts alternate, in one run.
    """
    import asyncio
    import statistics

    from autograder import sandbox
    from autograder.kernel import LimitedKernelManager
    from autograder.limits import Limits

    async def once(use_sandbox: bool) -> float:
        folder = tempfile.mkdtemp(prefix="bench-kernel-")
        km = LimitedKernelManager(kernel_name="python3")
        km.limits = Limits(sandbox=use_sandbox)
        start = time.perf_counter()
        await km.start_kernel(cwd=folder)
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            return time.perf_counter() - start
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
            shutil.rmtree(folder, ignore_errors=True)

    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(rounds):
        for flag in (False, True):
            times[flag].append(asyncio.run(once(flag)))
    return {
        "sandbox": sandbox.probe().describe(),
        "unsandboxed_start_seconds": round(statistics.median(times[False]), 3),
        "sandboxed_start_seconds": round(statistics.median(times[True]), 3),
        "rounds": rounds,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--assignments", nargs="+", default=["01_threads", "05_queues"])
    parser.add_argument("--per-assignment", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="keep the two courses")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--kernels-only",
        action="store_true",
        help="only time kernel starts, with and without sandbox",
    )
    args = parser.parse_args(argv)

    starts = kernel_starts()
    print(starts["sandbox"])
    print(
        f"kernel start (median of {starts['rounds']}): "
        f"{starts['unsandboxed_start_seconds']:.2f} s without the sandbox, "
        f"{starts['sandboxed_start_seconds']:.2f} s with it"
    )
    if args.kernels_only:
        return 0

    base = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    serial, parallel = base / "serial", base / "parallel"
    new_course(serial, args.assignments, generate=True)
    total = 0
    for name in args.assignments:
        total += len(submissions(serial, name, args.per_assignment))
    shutil.copytree(serial, parallel)
    print(f"{total} submissions of {', '.join(args.assignments)}; {os.cpu_count()} CPUs; in {base}")

    def run_serial():
        for name in args.assignments:
            nbgrader("autograde", name, "--force", cwd=serial)

    def run_parallel():
        env = dict(
            os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
        )
        subprocess.run(
            [sys.executable, "-m", "autograder", "autograde", *args.assignments]
            + ["--course", str(parallel), "--jobs", str(args.jobs), "--force", "--no-progress"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )

    serial_s = timed("serial nbgrader autograde", run_serial)
    parallel_s = timed(f"python -m autograder autograde --jobs {args.jobs}", run_parallel)
    a, b = gradebook(serial), gradebook(parallel)
    differences = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    result = {
        "submissions": total,
        "assignments": args.assignments,
        "cpus": os.cpu_count(),
        "jobs": args.jobs,
        "serial_seconds": round(serial_s, 1),
        "parallel_seconds": round(parallel_s, 1),
        "speedup": round(serial_s / parallel_s, 2),
        "serial_seconds_per_submission": round(serial_s / total, 2),
        "parallel_seconds_per_submission": round(parallel_s / total, 2),
        "gradebook_cells": len(a),
        "cells_that_differ": len(differences),
        "load_after": load(),
        **starts,
    }
    print()
    print(f"submissions          {total}")
    print(f"serial               {serial_s:7.1f} s   {serial_s / total:5.2f} s per submission")
    print(
        f"parallel ({args.jobs} jobs)    {parallel_s:7.1f} s   {parallel_s / total:5.2f} s per submission"
    )
    print(f"speedup              {serial_s / parallel_s:7.2f}x")
    print(f"gradebook cells that differ: {len(differences)} of {len(a)}")
    for key in differences[:10]:
        print(f"  {key}: serial {a.get(key)}, parallel {b.get(key)}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
