"""Plots: speedup, efficiency and cores busy against workers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .analysis import summarize
from .environment import environment_caption

_COLORS = {
    "threads": "tab:blue",
    "processes": "tab:orange",
    "asyncio": "tab:green",
    "subinterpreters": "tab:purple",
}
_MARKERS = {"threads": "o", "processes": "s", "asyncio": "^", "subinterpreters": "D"}


def new_figure(figsize: tuple[float, float]):
    """Return a new matplotlib Figure that Jupyter shows once when it is a cell's result.

    It is made through pyplot, which also sets up Jupyter's display of figures, and then
    closed at once, so that pyplot does not show it a second time or keep it alive.
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)
    return fig


def _log2_axis(axis, values: Sequence[float]) -> None:
    from matplotlib.ticker import FixedLocator, NullLocator

    axis.set_major_locator(FixedLocator(sorted(values)))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(_plain_formatter())


def _plain_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:g}")


def plot_results(
    results: dict[str, Any],
    *,
    title: str | None = None,
):
    """Plot speedup against workers, one panel per workload; return the Figure.

    Markers are medians, error bars the interquartile range, the dashed black
    line is ideal (linear) speedup and the dotted vertical line marks the
    number of CPUs. Both axes are logarithmic (base 2), so that 1x and 16x are
    equally readable. The environment is printed underneath, and executors
    that this Python could not run are named there.
    """
    rows = summarize(results)
    names = list(results["workloads"])
    fig = new_figure((5.2 * len(names), 4.8))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    cpus = results["environment"].get("usable_cpus") or results["environment"].get("cpu_count")
    for ax, name in zip(axes, names, strict=True):
        wl = results["workloads"][name]
        workers = sorted(set(wl["workers"]))
        lo, hi = min(workers), max(workers)
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="ideal (linear)")
        top = hi
        for executor in wl["executors"]:
            mine = [r for r in rows if r["workload"] == name and r["executor"] == executor]
            if not mine:
                continue
            xs = [r["workers"] for r in mine]
            med = [r["speedup_median"] for r in mine]
            err = [
                [m - r["speedup_q1"] for m, r in zip(med, mine, strict=True)],
                [r["speedup_q3"] - m for m, r in zip(med, mine, strict=True)],
            ]
            top = max(top, max(r["speedup_q3"] for r in mine))
            ax.errorbar(
                xs,
                med,
                yerr=err,
                color=_COLORS.get(executor),
                marker=_MARKERS.get(executor, "o"),
                capsize=3,
                lw=1.5,
                label=executor,
            )
        if cpus and lo <= cpus <= hi:
            ax.axvline(cpus, color="tab:red", ls=":", lw=1.2, label=f"{cpus} CPUs")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        _log2_axis(ax.xaxis, workers)
        ax.yaxis.set_major_formatter(_plain_formatter())
        ax.set_ylim(0.25, top * 2.4)  # headroom for the legend
        ax.set_xlabel("workers")
        ax.set_ylabel("speedup over serial (x)")
        ax.set_title(f"{wl['label']}: {wl['description']}", fontsize=9.5)
        ax.grid(True, which="major", alpha=0.3)
        handles = ax.get_legend_handles_labels()[0]
        ax.legend(fontsize=7.5, loc="upper left", ncols=2 if len(handles) > 5 else 1)
    config = results["config"]
    fig.suptitle(
        title or "Speedup against the number of workers",
        fontsize=12,
    )
    fig.text(
        0.5,
        -0.01,
        f"{environment_caption(results['environment'])}\n"
        f"median of {config['repeats']} interleaved runs after {config['warmup']} warm-up "
        f"round(s); bars: interquartile range; {results['mode']} mode" + _unavailable_note(results),
        ha="center",
        va="top",
        fontsize=8,
        color="0.3",
    )
    return fig


def _unavailable_note(results: dict[str, Any]) -> str:
    """Return a caption line naming the executors left out, or ""."""
    missing = results.get("unavailable") or {}
    return "".join(f"\n{ex} not measured: {why}" for ex, why in missing.items())


def plot_efficiency(results: dict[str, Any], *, title: str | None = None):
    """Plot parallel efficiency (speedup / workers) against workers; return the Figure.

    1.0 means every worker is fully used; 0.5 on 2 workers means the second
    one added nothing.
    """
    rows = summarize(results)
    names = list(results["workloads"])
    fig = new_figure((5.2 * len(names), 4.0))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    cpus = results["environment"].get("usable_cpus") or results["environment"].get("cpu_count")
    for ax, name in zip(axes, names, strict=True):
        wl = results["workloads"][name]
        workers = sorted(set(wl["workers"]))
        ax.axhline(1.0, color="k", ls="--", lw=1, label="ideal")
        for executor in wl["executors"]:
            mine = [r for r in rows if r["workload"] == name and r["executor"] == executor]
            if not mine:
                continue
            ax.errorbar(
                [r["workers"] for r in mine],
                [r["efficiency"] for r in mine],
                yerr=[
                    [(r["speedup_median"] - r["speedup_q1"]) / r["workers"] for r in mine],
                    [(r["speedup_q3"] - r["speedup_median"]) / r["workers"] for r in mine],
                ],
                color=_COLORS.get(executor),
                marker=_MARKERS.get(executor, "o"),
                capsize=3,
                label=executor,
            )
        if cpus and min(workers) <= cpus <= max(workers):
            ax.axvline(cpus, color="tab:red", ls=":", lw=1.2, label=f"{cpus} CPUs")
        ax.set_xscale("log", base=2)
        _log2_axis(ax.xaxis, workers)
        ax.set_ylim(0, 1.25)
        ax.set_xlabel("workers")
        ax.set_ylabel("efficiency (speedup / workers)")
        ax.set_title(f"{wl['label']}", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or "Parallel efficiency", fontsize=12)
    fig.text(
        0.5,
        -0.01,
        environment_caption(results["environment"]),
        ha="center",
        va="top",
        fontsize=8,
        color="0.3",
    )
    return fig


def plot_cores_busy(results: dict[str, Any], *, title: str | None = None):
    """Plot how many cores the calls kept busy (CPU seconds / wall second); return the Figure.

    This is the check that keeps a speedup plot honest on a busy machine: if
    processes got only 1.2 cores out of 2, their speedup cannot exceed 1.2, and
    the reason is other programs, not Python. With the GIL, threads running
    Python stay at or below 1 core whatever the machine.
    """
    rows = summarize(results)
    names = list(results["workloads"])
    fig = new_figure((5.2 * len(names), 4.0))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    cpus = results["environment"].get("usable_cpus") or results["environment"].get("cpu_count")
    for ax, name in zip(axes, names, strict=True):
        wl = results["workloads"][name]
        workers = sorted(set(wl["workers"]))
        top = 1.0
        for executor in ("serial", *wl["executors"]):
            mine = [r for r in rows if r["workload"] == name and r["executor"] == executor]
            if not mine:
                continue
            top = max(top, *(r["cores_busy"] for r in mine))
            if executor == "serial":
                ax.axhline(mine[0]["cores_busy"], color="0.5", ls="-.", lw=1, label="serial")
                continue
            ax.plot(
                [r["workers"] for r in mine],
                [r["cores_busy"] for r in mine],
                color=_COLORS.get(executor),
                marker=_MARKERS.get(executor, "o"),
                label=executor,
            )
        if cpus:
            ax.axhline(cpus, color="tab:red", ls=":", lw=1.2, label=f"{cpus} CPUs")
            top = max(top, cpus)
        ax.set_xscale("log", base=2)
        _log2_axis(ax.xaxis, workers)
        ax.set_ylim(0, top * 1.15)
        ax.set_xlabel("workers")
        ax.set_ylabel("cores busy (CPU s per wall s)")
        ax.set_title(f"{wl['label']}", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or "How many cores the work used", fontsize=12)
    fig.text(
        0.5,
        -0.01,
        environment_caption(results["environment"]),
        ha="center",
        va="top",
        fontsize=8,
        color="0.3",
    )
    return fig
