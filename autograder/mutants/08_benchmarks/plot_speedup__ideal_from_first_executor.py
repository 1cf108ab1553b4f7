"""Takes the ideal line's span from the first executor only, not from all of them."""

import matplotlib.pyplot as plt


def plot_speedup(results):
    fig, ax = plt.subplots()
    for executor, points in results.items():
        xs = sorted(points)
        ax.plot(xs, [points[n] for n in xs], marker="o", label=executor)
    first = sorted(next(iter(results.values())))
    ax.plot([first[0], first[-1]], [first[0], first[-1]], "k--", label="ideal")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup over serial (x)")
    ax.legend()
    return fig
