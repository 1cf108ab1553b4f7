"""Draws the ideal line from 1 to 4 whatever the data, so it misses larger worker counts."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    for executor, points in results.items():
        xs = sorted(points)
        ax.plot(xs, [points[n] for n in xs], marker="o", label=executor)
    ax.plot([1, 2, 4], [1, 2, 4], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup")
    ax.legend()
    return fig
