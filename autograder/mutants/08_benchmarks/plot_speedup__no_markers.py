"""Draws each executor as a plain line without markers, so single points cannot be seen."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    workers = sorted({n for points in results.values() for n in points})
    for executor, points in results.items():
        xs = sorted(points)
        ax.plot(xs, [points[n] for n in xs], label=executor)
    ax.plot([workers[0], workers[-1]], [workers[0], workers[-1]], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup over serial (x)")
    ax.legend()
    return fig
