"""Draws the measured lines but no ideal line to compare them with."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    for executor, points in results.items():
        xs = sorted(points)
        ax.plot(xs, [points[n] for n in xs], marker="o", label=executor)
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup")
    ax.legend()
    return fig
