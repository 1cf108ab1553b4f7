"""Labels the lines but never draws the legend, so a reader cannot tell them apart."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    for executor, points in results.items():
        xs = sorted(points)
        ax.plot(xs, [points[n] for n in xs], marker="o", label=executor)
    workers = sorted({n for points in results.values() for n in points})
    ax.plot([workers[0], workers[-1]], [workers[0], workers[-1]], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup")
    return fig
