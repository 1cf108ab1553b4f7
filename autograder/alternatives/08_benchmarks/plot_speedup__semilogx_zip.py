"""Uses plt.subplots, ax.semilogx and zip(*sorted(...)), ideal line drawn first."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    counts = set()
    for points in results.values():
        counts.update(points)
    ax.semilogx([min(counts), max(counts)], [min(counts), max(counts)], "k-", label="ideal")
    for executor in sorted(results):
        xs, ys = zip(*sorted(results[executor].items()), strict=True)
        ax.semilogx(xs, ys, marker="D", linestyle="--", label=executor)
    ax.set_xlabel("workers (log scale)")
    ax.set_ylabel("measured speedup")
    ax.legend(title="executor")
    return fig
