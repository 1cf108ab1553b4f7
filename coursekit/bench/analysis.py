"""Saving, loading and summarising results: medians, quartiles, tables."""

from __future__ import annotations

import json
import math
import os
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .config import EXECUTORS, SCHEMA
from .environment import environment_caption


def save_results(results: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write `results` as JSON to `path` (creating folders); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return path


def load_results(path: str | os.PathLike) -> dict[str, Any]:
    """Read results written by `save_results`, checking that they are ours."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"{path} does not hold {SCHEMA} results")
    return data


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile of already sorted values (numpy's default)."""
    if not sorted_values:
        return math.nan
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one row per (workload, executor, workers) with median and IQR of the speedup.

    The speedup of a run is the serial time *of the same round* divided by the
    run's time; pairing runs this way cancels slow drifts in machine load.
    Warm-up rounds are left out. `cores_busy` is the median CPU time of the
    calls divided by the wall-clock time: the average number of busy cores.
    """
    serial: dict[tuple[str, int], float] = {}
    for run in results["runs"]:
        if run["executor"] == "serial" and not run["warmup"]:
            serial[(run["workload"], run["round"])] = run["seconds"]
    groups: dict[tuple[str, str, int], list[tuple[float, float, float]]] = {}
    for run in results["runs"]:
        if run["warmup"]:
            continue
        base = serial.get((run["workload"], run["round"]))
        if base is None:
            continue
        key = (run["workload"], run["executor"], run["workers"])
        cores = run.get("cpu_seconds", math.nan) / run["seconds"]
        groups.setdefault(key, []).append((run["seconds"], base / run["seconds"], cores))
    order = {name: i for i, name in enumerate(results["workloads"])}
    ex_order = {name: i for i, name in enumerate(("serial", *EXECUTORS))}
    rows = []
    for (workload, executor, workers), samples in sorted(
        groups.items(), key=lambda kv: (order[kv[0][0]], ex_order[kv[0][1]], kv[0][2])
    ):
        speedups = sorted(s for _, s, _ in samples)
        median = statistics.median(speedups)
        row = {
            "workload": workload,
            "executor": executor,
            "workers": workers,
            "repeats": len(samples),
            "seconds_median": statistics.median(t for t, _, _ in samples),
            "speedup_median": median,
            "speedup_q1": _quantile(speedups, 0.25),
            "speedup_q3": _quantile(speedups, 0.75),
            "efficiency": median / workers,
            # CPU seconds per wall-clock second: how many cores the calls kept busy.
            "cores_busy": statistics.median(c for _, _, c in samples),
        }
        rows.append(row)
    return rows


def speedup_table(results: dict[str, Any], workload: str = "cpu") -> dict[str, dict[int, float]]:
    """Return {executor: {workers: median speedup}} for one workload (serial left out)."""
    table: dict[str, dict[int, float]] = {}
    for row in summarize(results):
        if row["workload"] == workload and row["executor"] != "serial":
            table.setdefault(row["executor"], {})[row["workers"]] = row["speedup_median"]
    if not table:
        raise KeyError(f"no {workload!r} measurements in these results")
    return table


def markdown_table(results: dict[str, Any]) -> str:
    """Return the summary as a Markdown table, with the environment above it."""
    env = results["environment"]
    lines = [
        f"Measured {results.get('started', '?')} in {results['mode']} mode: "
        f"{environment_caption(env)}.",
        "",
    ]
    for wl in results["workloads"].values():
        lines.append(f"- **{wl['label']}**: {wl['description']}.")
    for executor, why in (results.get("unavailable") or {}).items():
        lines.append(f"- **{executor}**: not measured: {why}.")
    lines += [
        "",
        f"Speedup = serial time / time on N workers, paired by round; median of "
        f"{results['config']['repeats']} interleaved runs after {results['config']['warmup']} "
        "warm-up round(s), with the interquartile range. Cores busy = CPU time of the calls / "
        "wall-clock time (median).",
        "",
        "| workload | executor | workers | median time (s) | speedup (median) | IQR "
        "| efficiency | cores busy |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    for row in summarize(results):
        lines.append(
            f"| {row['workload']} | {row['executor']} | {row['workers']} | "
            f"{row['seconds_median']:.3f} | {row['speedup_median']:.2f}x | "
            f"{row['speedup_q1']:.2f}-{row['speedup_q3']:.2f} | {row['efficiency']:.2f} | "
            f"{row['cores_busy']:.2f} |"
        )
    return "\n".join(lines) + "\n"
