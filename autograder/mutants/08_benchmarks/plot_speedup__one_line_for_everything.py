"""Joins every executor's points into one unlabelled-by-executor line."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    xs, ys = [], []
    for points in results.values():
        for n in sorted(points):
            xs.append(n)
            ys.append(points[n])
    ax.plot(xs, ys, marker="o", label="speedup")
    workers = sorted(set(xs))
    ax.plot([workers[0], workers[-1]], [workers[0], workers[-1]], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup")
    ax.legend()
    return fig
