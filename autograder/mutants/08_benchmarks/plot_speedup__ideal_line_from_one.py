"""Starts the ideal line at 1 instead of at the smallest worker count."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    workers = []
    for name, points in results.items():
        xs = sorted(points)
        ys = [points[x] for x in xs]
        ax.plot(xs, ys, marker="o", label=name)
        workers.extend(xs)
    lo, hi = 1, max(workers)
    ax.plot([lo, hi], [lo, hi], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup")
    ax.legend()
    return fig
