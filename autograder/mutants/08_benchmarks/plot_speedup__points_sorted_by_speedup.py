"""Sorts each executor's points by speedup instead of by workers."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    workers = []
    for name, points in results.items():
        xs = sorted(points, key=points.get)
        ys = [points[x] for x in xs]
        ax.plot(xs, ys, marker="o", label=name)
        workers.extend(xs)
    lo, hi = min(workers), max(workers)
    ax.plot([lo, hi], [lo, hi], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup")
    ax.legend()
    return fig
