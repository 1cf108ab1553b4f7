"""The command line: python -m coursekit.bench."""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .analysis import markdown_table, save_results
from .config import EXECUTORS, FULL, QUICK
from .plots import plot_cores_busy, plot_efficiency, plot_results
from .run import run_benchmark


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.bench",
        description="Measure speedup against workers for CPU-bound and I/O-bound jobs.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small and fast (default; ~20 s)")
    mode.add_argument(
        "--full", action="store_true", help="bigger jobs, 5 repeats, up to 32 workers"
    )
    parser.add_argument("--out", default="build/bench", help="output folder (default build/bench)")
    parser.add_argument("--repeats", type=int, help="timed rounds (after warm-up)")
    parser.add_argument("--warmup", type=int, help="warm-up rounds, thrown away")
    parser.add_argument(
        "--start-method",
        choices=multiprocessing.get_all_start_methods(),
        help="how process pools start their workers (default: the platform's)",
    )
    parser.add_argument(
        "--workloads",
        default="cpu,io",
        help="comma-separated: cpu, io (default both)",
    )
    parser.add_argument(
        "--executors",
        help=(
            "comma-separated executors for both jobs, from "
            f"{', '.join(EXECUTORS)} (default: threads,processes for the CPU-bound job, "
            "threads,processes,asyncio for the I/O-bound one)"
        ),
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply job sizes by this (e.g. 0.1 for a smoke test)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--no-plots", action="store_true", help="write results.json only")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line; write results.json, table.md and the PNGs."""
    args = _parse(argv)
    config = FULL if args.full else QUICK
    changes: dict[str, Any] = {}
    if args.repeats is not None:
        changes["repeats"] = args.repeats
    if args.warmup is not None:
        changes["warmup"] = args.warmup
    if args.start_method:
        changes["start_method"] = args.start_method
    if args.scale != 1.0:
        if args.scale <= 0:
            print("error: --scale must be positive", file=sys.stderr)
            return 2
        changes["cpu_seconds"] = config.cpu_seconds * args.scale
        changes["io_wait"] = config.io_wait * args.scale
    if args.executors is not None:
        chosen = tuple(e.strip() for e in args.executors.split(",") if e.strip())
        changes["cpu_executors"] = changes["io_executors"] = chosen
    config = config.replace(**changes)
    workloads = tuple(w.strip() for w in args.workloads.split(",") if w.strip())
    try:
        config.validate()
        results = run_benchmark(config, workloads=workloads, progress=not args.no_progress)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    save_results(results, out / "results.json")
    table = markdown_table(results)
    (out / "table.md").write_text(table, encoding="utf-8")
    written = ["results.json", "table.md"]
    if not args.no_plots:
        plot_results(results).savefig(out / "speedup.png", dpi=120, bbox_inches="tight")
        plot_efficiency(results).savefig(out / "efficiency.png", dpi=120, bbox_inches="tight")
        plot_cores_busy(results).savefig(out / "cores.png", dpi=120, bbox_inches="tight")
        written += ["speedup.png", "efficiency.png", "cores.png"]
    print(table)
    for executor, why in results["unavailable"].items():
        print(f"note: {executor} not measured: {why}", file=sys.stderr)
    print(f"wrote {', '.join(str(out / w) for w in written)} in {results['elapsed_s']:.1f} s")
    return 0
