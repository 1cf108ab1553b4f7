"""Returns a figure with two Axes: speedup on the left and efficiency on the right."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, (ax, ax_eff) = plt.subplots(1, 2, figsize=(10, 4))
    workers = sorted({n for points in results.values() for n in points})
    for executor, points in results.items():
        xs = sorted(points)
        ax.plot(xs, [points[n] for n in xs], marker="o", label=executor)
        ax_eff.plot(xs, [points[n] / n for n in xs], marker="o")
    ax.plot([workers[0], workers[-1]], [workers[0], workers[-1]], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup over serial (x)")
    ax_eff.set_xlabel("workers")
    ax_eff.set_ylabel("efficiency")
    ax.legend()
    return fig
