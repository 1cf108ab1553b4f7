"""Plots the points in the order the dict gives them, so lines zigzag when it is unsorted."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    for executor, points in results.items():
        ax.plot(list(points), list(points.values()), marker="o", label=executor)
    workers = sorted({n for points in results.values() for n in points})
    ax.plot([workers[0], workers[-1]], [workers[0], workers[-1]], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup")
    ax.legend()
    return fig
