"""Sorts each executor's points in place, so the caller's dicts come back reordered."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    for points in results.values():
        ordered = sorted(points.items())
        points.clear()
        points.update(ordered)
    workers = sorted({n for points in results.values() for n in points})
    for executor, points in results.items():
        ax.plot(list(points), list(points.values()), marker="o", label=executor)
    ax.plot([workers[0], workers[-1]], [workers[0], workers[-1]], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup over serial (x)")
    ax.legend()
    return fig
