"""Hidden tests for 08_benchmarks: amdahl_speedup, karp_flatt and plot_speedup.

The formulas are checked against values computed here, at the edges of their
domains, and against each other (Karp-Flatt inverts Amdahl). The plot is
inspected object by object: its axes, labels, lines, data and legend.
"""

import copy
import math
import types

import pytest

from autograder.suites._trust import close, fail_for, real_isinstance, safe_repr, same, type_name
from autograder.testing import call_with_deadline

AMDAHL = pytest.mark.exercise("amdahl_speedup")
KARP = pytest.mark.exercise("karp_flatt")
PLOT = pytest.mark.exercise("plot_speedup")


def _amdahl(p, n):
    return 1.0 / ((1.0 - p) + p / n)


def _name(func):
    """The name of a plain function (whose __name__ cannot lie), else a description."""
    return func.__name__ if type(func) is types.FunctionType else "the function"


def call_student(func, *args, timeout=1.5, expect=None):
    """Call student code in a helper thread; fail the test if it does not return in time.

    An exception of a class in `expect` (by its real class) is raised for the test
    to catch; any other fails the test with a guarded description.
    """
    finished, value = call_with_deadline(func, *args, timeout=timeout)
    if not finished:
        pytest.fail(
            f"{_name(func)}{args!r} did not return within {timeout:g} s: an endless loop?",
            pytrace=False,
        )
    if expect is not None and real_isinstance(value, expect):
        raise value
    fail_for(value, f"{_name(func)}{args!r}")
    return value


def _number(value, call):
    """Fail unless `value` is exactly a float, as the contracts say; return it.

    A float subclass could make == (even with pytest.approx) say anything.
    """
    assert type(value) is float, (
        f"{call} should return a float, not {type_name(value)} ({safe_repr(value)})"
    )
    return value


# --------------------------------------------------------------------------
# amdahl_speedup


@AMDAHL
@pytest.mark.weight(3)
def test_amdahl_known_values(student):
    """gives Amdahl's speedup 1 / ((1 - p) + p / n)"""
    for p, n in ((0.9, 10), (0.5, 2), (0.75, 4), (0.95, 16), (0.99, 64), (0.3, 3)):
        got = _number(call_student(student.amdahl_speedup, p, n), f"amdahl_speedup({p}, {n})")
        assert close(got, _amdahl(p, n), rel=1e-9, abs=1e-12), (
            f"amdahl_speedup({p}, {n}) should be {_amdahl(p, n):.6g}, got {got!r}"
        )


@AMDAHL
@pytest.mark.weight(2)
def test_amdahl_edge_cases(student):
    """handles the edges: p = 0, p = 1, n = 1, a fractional n and a huge n"""
    cases = [
        ((0.0, 8), 1.0, "nothing runs in parallel, so no speedup"),
        ((1.0, 8), 8.0, "everything runs in parallel: speedup n"),
        ((0.9, 1), 1.0, "one worker gives no speedup"),
        ((0.5, 1.5), _amdahl(0.5, 1.5), "n may be any number >= 1"),
        ((0.95, 10**9), _amdahl(0.95, 10**9), "the limit for many workers is 1 / (1 - p) = 20"),
    ]
    for args, expected, why in cases:
        got = _number(call_student(student.amdahl_speedup, *args), f"amdahl_speedup{args}")
        assert close(got, expected, rel=1e-9, abs=1e-12), (
            f"amdahl_speedup{args} should be {expected:.6g} ({why}), got {got!r}"
        )


@AMDAHL
@pytest.mark.weight(2)
def test_amdahl_rejects_bad_input(student):
    """raises ValueError for p outside [0, 1], n < 1, and NaN"""
    for args in (
        (-0.1, 4),
        (1.5, 4),
        (math.nan, 4),
        (0.5, 0),
        (0.5, 0.5),
        (0.5, -3),
        (0.5, math.nan),
    ):
        try:
            value = call_student(student.amdahl_speedup, *args, expect=BaseException)
        except ValueError:  # by its real class, which a __class__ property can't fake
            continue
        except BaseException as exc:  # noqa: BLE001 - the wrong kind of error is the finding
            pytest.fail(
                f"amdahl_speedup{args} raised {type_name(exc)}; it should raise ValueError",
                pytrace=False,
            )
        pytest.fail(
            f"amdahl_speedup{args} returned {safe_repr(value)}; it should raise ValueError",
            pytrace=False,
        )


# --------------------------------------------------------------------------
# karp_flatt


@KARP
@pytest.mark.weight(3)
def test_karp_flatt_inverts_amdahl(student):
    """recovers the serial fraction 1 - p from Amdahl's speedup"""
    for p in (0.0, 0.5, 0.9, 0.99, 1.0):
        for n in (2, 4, 16):
            s = _amdahl(p, n)
            got = _number(call_student(student.karp_flatt, s, n), f"karp_flatt({s:.4g}, {n})")
            assert close(got, 1 - p, rel=0.0, abs=1e-9), (
                f"a job with serial fraction {1 - p:g} reaches speedup {s:.4g} on {n} workers, "
                f"so karp_flatt({s:.4g}, {n}) should be {1 - p:g}; got {got!r}"
            )


@KARP
@pytest.mark.weight(2)
def test_karp_flatt_measured_values(student):
    """gives e = (1/S - 1/n) / (1 - 1/n) for measured speedups, superlinear ones included"""
    for s, n in ((1.9, 2), (3.1, 4), (1.0, 8), (0.8, 2), (4.5, 4), (12.0, 16)):
        expected = (1 / s - 1 / n) / (1 - 1 / n)
        got = _number(call_student(student.karp_flatt, s, n), f"karp_flatt({s}, {n})")
        assert close(got, expected, rel=1e-9, abs=1e-12), (
            f"karp_flatt({s}, {n}) should be {expected:.6g}"
            + (" (negative: the speedup is superlinear)" if s > n else "")
            + f", got {got!r}"
        )


@KARP
@pytest.mark.weight(2)
def test_karp_flatt_rejects_bad_input(student):
    """raises ValueError for n <= 1, a speedup <= 0, and NaN"""
    for args in (
        (1.0, 1),
        (1.5, 0.5),
        (2.0, 0),
        (0.0, 4),
        (-1.0, 4),
        (math.nan, 4),
        (2.0, math.nan),
    ):
        try:
            value = call_student(student.karp_flatt, *args, expect=BaseException)
        except ValueError:  # by its real class, which a __class__ property can't fake
            continue
        except BaseException as exc:  # noqa: BLE001 - the wrong kind of error is the finding
            pytest.fail(
                f"karp_flatt{args} raised {type_name(exc)}; it should raise ValueError",
                pytrace=False,
            )
        pytest.fail(
            f"karp_flatt{args} returned {safe_repr(value)}; it should raise ValueError",
            pytrace=False,
        )


# --------------------------------------------------------------------------
# plot_speedup

RESULTS = {
    # Worker counts out of order on purpose: the plot must sort them.
    "threads": {4: 1.1, 1: 0.98, 2: 1.05, 8: 1.2},
    "processes": {2: 1.9, 1: 1.0, 8: 6.5, 4: 3.7},
    "asyncio": {1: 1.0, 4: 3.9, 2: 2.0},
}


# The figure is read through matplotlib's own methods, called on the base classes
# (a subclass could override them to lie), and every label or text must be an exact
# str and every data point goes through float(): no student object compares itself.


def _figure(student, results):
    from matplotlib.figure import Figure

    fig = call_student(student.plot_speedup, results, timeout=10)
    # The real class: a __class__ property fools isinstance().
    assert real_isinstance(fig, Figure), (
        f"plot_speedup should return a matplotlib Figure, not {type_name(fig)} "
        "(fig, ax = plt.subplots() gives you one)"
    )
    return fig


def _axes_of(fig):
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    return [ax for ax in Figure.axes.fget(fig) if real_isinstance(ax, Axes)]


def _label(artist):
    """Return an artist's label if it is an exact str, else None."""
    from matplotlib.artist import Artist

    label = Artist.get_label(artist)
    return label if type(label) is str else None


def _text(text, what):
    """Fail unless `text` is an exact str; return it."""
    if type(text) is not str:
        pytest.fail(f"{what} should be a str, not {type_name(text)}", pytrace=False)
    return text


def _floats(data):
    """Return the data as a list of exact floats (float() always makes one)."""
    return [float(x) for x in data]


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)


def _series(ax):
    """Map each labelled line of `ax` (plot or errorbar) to its (x, y) data."""
    from matplotlib.axes import Axes
    from matplotlib.container import Container, ErrorbarContainer
    from matplotlib.lines import Line2D

    out = {}
    for line in Axes.get_lines(ax):
        label = _label(line) if real_isinstance(line, Line2D) else None
        if label and not label.startswith("_"):
            out[label] = (_floats(Line2D.get_xdata(line)), _floats(Line2D.get_ydata(line)))
    for container in ax.containers:
        if real_isinstance(container, ErrorbarContainer):
            label = Container.get_label(container)
            data = container.lines[0]
            if (
                type(label) is str
                and label
                and not label.startswith("_")
                and real_isinstance(data, Line2D)
            ):
                out[label] = (_floats(Line2D.get_xdata(data)), _floats(Line2D.get_ydata(data)))
    return out


def _main_axes(fig):
    axes = [ax for ax in _axes_of(fig) if _series(ax)]
    assert axes, "the figure has no labelled lines: give each line a label=..."
    return axes[0]


@PLOT
@pytest.mark.weight(2)
def test_one_line_per_executor_with_sorted_data(student):
    """draws one labelled line per executor, workers on x in increasing order, speedup on y"""
    fig = _figure(student, RESULTS)
    try:
        series = _series(_main_axes(fig))
        for executor, points in RESULTS.items():
            assert executor in series, (
                f"no line labelled {executor!r}; found labels {safe_repr(sorted(series))}"
            )
            xs, ys = series[executor]
            want_x = sorted(points)
            want_y = [points[n] for n in want_x]
            assert xs == pytest.approx(want_x) and ys == pytest.approx(want_y), (
                f"the {executor!r} line should go through "
                f"{list(zip(want_x, want_y, strict=True))} in that order (workers sorted), "
                f"but has x={safe_repr(xs)} y={safe_repr(ys)}"
            )
        others = [k for k in series if k not in RESULTS and "ideal" not in k.lower()]
        assert not others, f"unexpected labelled lines: {safe_repr(others)}"
    finally:
        _close(fig)


@PLOT
@pytest.mark.weight(2)
def test_ideal_line_spans_all_workers(student):
    """draws an ideal line, speedup = workers, from the fewest to the most workers"""
    fig = _figure(student, RESULTS)
    try:
        series = _series(_main_axes(fig))
        ideal = [k for k in series if "ideal" in k.lower()]
        assert ideal, f"no line whose label contains 'ideal'; labels: {safe_repr(sorted(series))}"
        xs, ys = series[ideal[0]]
        assert xs and ys == pytest.approx(xs), (
            f"on the ideal line speedup equals workers; it has x={safe_repr(xs)} y={safe_repr(ys)}"
        )
        assert min(xs) == pytest.approx(1) and max(xs) == pytest.approx(8), (
            f"the ideal line should run from 1 to 8 workers here, it runs from {min(xs):g} "
            f"to {max(xs):g}"
        )
    finally:
        _close(fig)


@PLOT
def test_axes_are_labelled(student):
    """labels the x axis with workers and the y axis with speedup"""
    fig = _figure(student, RESULTS)
    from matplotlib.axes import Axes

    try:
        ax = _main_axes(fig)
        xlabel = _text(Axes.get_xlabel(ax), "the x label")
        ylabel = _text(Axes.get_ylabel(ax), "the y label")
        assert "worker" in xlabel.lower(), (
            f"x label should mention workers, it is {safe_repr(xlabel)}"
        )
        assert "speedup" in ylabel.lower(), (
            f"y label should mention speedup, it is {safe_repr(ylabel)}"
        )
    finally:
        _close(fig)


@PLOT
def test_has_a_legend_naming_every_line(student):
    """shows a legend that names every executor and the ideal line"""
    fig = _figure(student, RESULTS)
    from matplotlib.axes import Axes
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    try:
        ax = _main_axes(fig)
        legends = [Axes.get_legend(ax), *list(fig.legends)]
        legend = next((lg for lg in legends if real_isinstance(lg, Legend)), None)
        assert legend is not None, "no legend: call ax.legend()"
        texts = [
            _text(Text.get_text(t), "a legend entry")
            for t in Legend.get_texts(legend)
            if real_isinstance(t, Text)
        ]
        for name in RESULTS:
            assert name in texts, f"the legend should name {name!r}; it shows {safe_repr(texts)}"
        assert any("ideal" in t.lower() for t in texts), (
            f"the legend lacks the ideal line: {safe_repr(texts)}"
        )
    finally:
        _close(fig)


@PLOT
def test_works_for_one_executor_and_leaves_results_alone(student):
    """works with a single executor and does not change its argument"""
    results = {"processes": {16: 14.2, 1: 1.0, 4: 3.9}}
    before = copy.deepcopy(results)
    fig = _figure(student, results)
    try:
        series = _series(_main_axes(fig))
        assert "processes" in series, (
            f"no line labelled 'processes'; labels: {safe_repr(sorted(series))}"
        )
        assert series["processes"][0] == pytest.approx([1, 4, 16]), (
            f"x data should be [1, 4, 16], got {safe_repr(series['processes'][0])}"
        )
        ideal = [k for k in series if "ideal" in k.lower()]
        assert ideal and max(series[ideal[0]][0]) == pytest.approx(16), (
            "the ideal line should reach the largest worker count, 16"
        )
    finally:
        _close(fig)
    # Exact types: the dict is the test's, but what is in it now may not be.
    assert same(results, before), "plot_speedup changed the results it was given"
