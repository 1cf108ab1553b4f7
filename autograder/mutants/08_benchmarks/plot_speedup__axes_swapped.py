"""Puts speedup on the x axis and workers on the y axis."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    for executor, points in results.items():
        xs = sorted(points)
        ax.plot([points[n] for n in xs], xs, marker="o", label=executor)
    workers = sorted({n for points in results.values() for n in points})
    ax.plot([workers[0], workers[-1]], [workers[0], workers[-1]], "k--", label="ideal")
    ax.set_xlabel("speedup")
    ax.set_ylabel("workers")
    ax.legend()
    return fig
