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


def _panels(results: dict[str, Any], height: float):
    """Start a figure with one panel per workload, side by side.

    Return the figure, the summary rows, the usable CPUs (None if unknown) and,
    per panel, (axes, workload name, workload, its worker counts sorted).
    """
    rows = summarize(results)
    names = list(results["workloads"])
    fig = new_figure((5.2 * len(names), height))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    cpus = results["environment"].get("usable_cpus") or results["environment"].get("cpu_count")
    panels = []
    for ax, name in zip(axes, names, strict=True):
        wl = results["workloads"][name]
        panels.append((ax, name, wl, sorted(set(wl["workers"]))))
    return fig, rows, cpus, panels


def _finish_panel(
    ax,
    workers: Sequence[float],
    ylim: tuple[float, float],
    ylabel: str,
    title: str,
    title_size: float = 10,
    **legend: Any,
) -> None:
    """End a panel: workers on a log2 axis, the y limits, labels, title, grid and legend."""
    ax.set_xscale("log", base=2)
    _log2_axis(ax.xaxis, workers)
    ax.set_ylim(*ylim)
    ax.set_xlabel("workers")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=title_size)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(**legend)


def _finish_figure(fig, title: str, caption: str) -> None:
    """Put `title` above the figure and `caption` (the environment it was measured in) under it."""
    fig.suptitle(title, fontsize=12)
    fig.text(0.5, -0.01, caption, ha="center", va="top", fontsize=8, color="0.3")


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
    fig, rows, cpus, panels = _panels(results, 4.8)
    for ax, name, wl, workers in panels:
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
        ax.set_yscale("log", base=2)
        ax.yaxis.set_major_formatter(_plain_formatter())
        handles = ax.get_legend_handles_labels()[0]
        _finish_panel(
            ax,
            workers,
            (0.25, top * 2.4),  # headroom for the legend
            "speedup over serial (x)",
            f"{wl['label']}: {wl['description']}",
            9.5,
            fontsize=7.5,
            loc="upper left",
            ncols=2 if len(handles) > 5 else 1,
        )
    config = results["config"]
    _finish_figure(
        fig,
        title or "Speedup against the number of workers",
        f"{environment_caption(results['environment'])}\n"
        f"median of {config['repeats']} interleaved runs after {config['warmup']} warm-up "
        f"round(s); bars: interquartile range; {results['mode']} mode" + _unavailable_note(results),
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
    fig, rows, cpus, panels = _panels(results, 4.0)
    for ax, name, wl, workers in panels:
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
        _finish_panel(
            ax, workers, (0, 1.25), "efficiency (speedup / workers)", f"{wl['label']}", fontsize=8
        )
    _finish_figure(fig, title or "Parallel efficiency", environment_caption(results["environment"]))
    return fig


def plot_cores_busy(results: dict[str, Any], *, title: str | None = None):
    """Plot how many cores the calls kept busy (CPU seconds / wall second); return the Figure.

    This is the check that keeps a speedup plot honest on a busy machine: if
    processes got only 1.2 cores out of 2, their speedup cannot exceed 1.2, and
    the reason is other programs, not Python. With the GIL, threads running
    Python stay at or below 1 core whatever the machine.
    """
    fig, rows, cpus, panels = _panels(results, 4.0)
    for ax, name, wl, workers in panels:
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
        _finish_panel(
            ax,
            workers,
            (0, top * 1.15),
            "cores busy (CPU s per wall s)",
            f"{wl['label']}",
            fontsize=8,
        )
    _finish_figure(
        fig, title or "How many cores the work used", environment_caption(results["environment"])
    )
    return fig
