"""Builds a Figure without pyplot, draws with ax.loglog and a legend in the upper left."""

from matplotlib.figure import Figure


def plot_speedup(results):
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    everyone = [n for points in results.values() for n in points.keys()]
    lo, hi = min(everyone), max(everyone)
    ax.loglog([lo, hi], [lo, hi], ":", color="gray", base=2, label="ideal (speedup = workers)")
    for name in results:
        pairs = sorted(results[name].items())
        xs = [w for w, _ in pairs]
        ys = [s for _, s in pairs]
        ax.loglog(xs, ys, "s-", base=2, label=name)
    ax.set_xlabel("Number of workers")
    ax.set_ylabel("Speedup")
    ax.legend(loc="upper left")
    return fig
