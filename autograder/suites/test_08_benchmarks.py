"""Hidden tests for 08_benchmarks: amdahl_speedup, gustafson_speedup, karp_flatt, plot_speedup.

The formulas are checked against values computed here, at the edges of their
domains, with int and float arguments, and against each other (Karp-Flatt
inverts Amdahl). The plot is inspected object by object: its axes, labels,
lines, markers, data and legend; what it does to `results`, to pyplot's
current figure and to `plt.show` is watched too.
"""

import copy
import math
import types

import pytest

from autograder import testing
from autograder.suites._trust import close, fail_for, real_isinstance, safe_repr, same, type_name

#: Library modules this suite patches itself during a test (tests/test_suite_rules.py).
LIBRARY_WRITES = ("matplotlib.pyplot",)

AMDAHL = testing.Exercise("amdahl_speedup")
GUSTAFSON = testing.Exercise("gustafson_speedup")
KARP = testing.Exercise("karp_flatt")
PLOT = testing.Exercise("plot_speedup")

#: Contract sentences that promise nothing a test could check.
UNTESTED = {
    "plot_speedup": {
        "Optional, and a good idea: log scales": (
            "a suggestion: linear and logarithmic scales are both correct"
        ),
    },
}


def _amdahl(p, n):
    return 1.0 / ((1.0 - p) + p / n)


def _gustafson(p, n):
    return (1.0 - p) + p * n


def _name(func):
    """The name of a plain function (whose __name__ cannot lie), else a description."""
    return func.__name__ if type(func) is types.FunctionType else "the function"


def call_student(func, *args, timeout=1.5, expect=None):
    """Call student code in a helper thread; fail the test if it does not return in time.

    An exception of a class in `expect` (by its real class) is raised for the test
    to catch; any other fails the test with a guarded description.
    """
    value = testing.call_student(
        func, *args, timeout=timeout, what=f"{_name(func)}{args!r}", hint="an endless loop?"
    )
    if expect is not None and real_isinstance(value, expect):
        raise value
    fail_for(value, f"{_name(func)}{args!r}")
    return value


def _number(value, call):
    """Fail unless `value` is exactly a float, as the contracts say; return it.

    A float subclass could make == (even with pytest.approx) say anything, and an
    int is not what the contracts promise.
    """
    assert type(value) is float, (
        f"{call} should return a float, not {type_name(value)} ({safe_repr(value)})"
    )
    return value


def _check_values(func, cases, what):
    """Call func(*args) for each (args, expected, why); each result must be a close float."""
    for args, expected, why in cases:
        got = _number(call_student(func, *args), f"{what}{args!r}")
        assert close(got, expected, rel=1e-9, abs=1e-12), (
            f"{what}{args!r} should be {expected:.6g}{f' ({why})' if why else ''}, got {got!r}"
        )


def _check_rejects(func, cases, what):
    """Each call func(*args) must raise ValueError (by its real class)."""
    for args in cases:
        try:
            value = call_student(func, *args, expect=BaseException)
        except ValueError:  # by its real class, which a __class__ property can't fake
            continue
        except BaseException as exc:  # noqa: BLE001 - the wrong kind of error is the finding
            pytest.fail(
                f"{what}{args!r} raised {type_name(exc)}; it should raise ValueError",
                pytrace=False,
            )
        pytest.fail(
            f"{what}{args!r} returned {safe_repr(value)}; it should raise ValueError",
            pytrace=False,
        )


# --------------------------------------------------------------------------
# amdahl_speedup


@AMDAHL("Return $S(p, n)$ as a float.", weight=3)
def test_amdahl_known_values(student):
    """gives Amdahl's speedup 1 / ((1 - p) + p / n) as a float"""
    cases = [
        ((p, n), _amdahl(p, n), "")
        for p, n in ((0.9, 10), (0.5, 2), (0.75, 4), (0.95, 16), (0.99, 64), (0.3, 3))
    ]
    _check_values(student.amdahl_speedup, cases, "amdahl_speedup")


@AMDAHL("`n` is the number of workers, any number `>= 1` (it need not be a whole", weight=2)
def test_amdahl_edge_cases(student):
    """handles the edges: p = 0, p = 1, n = 1, a fractional n and a huge n"""
    cases = [
        ((0.0, 8), 1.0, "nothing runs in parallel, so no speedup"),
        ((1.0, 8), 8.0, "everything runs in parallel: speedup n"),
        ((0.9, 1), 1.0, "one worker gives no speedup"),
        ((0.5, 1.5), _amdahl(0.5, 1.5), "n may be any number >= 1"),
        ((0.95, 10**9), _amdahl(0.95, 10**9), "the limit for many workers is 1 / (1 - p) = 20"),
    ]
    _check_values(student.amdahl_speedup, cases, "amdahl_speedup")


@AMDAHL("Either may be an `int` or a `float`.", "Return $S(p, n)$ as a float.")
def test_amdahl_takes_int_arguments(student):
    """takes int arguments, and still returns a float"""
    cases = [
        ((1, 4), 4.0, "p = 1 as an int"),
        ((0, 4), 1.0, "p = 0 as an int"),
        ((0.5, 2), _amdahl(0.5, 2), "n as an int"),
        ((1, 1), 1.0, "both ints"),
        ((0.25, 3.0), _amdahl(0.25, 3), "n as a float"),
    ]
    _check_values(student.amdahl_speedup, cases, "amdahl_speedup")


@AMDAHL("Raise `ValueError` if `p` is outside `[0, 1]`", "(Careful: every comparison", weight=2)
def test_amdahl_rejects_bad_input(student):
    """raises ValueError for p outside [0, 1], n < 1, and NaN"""
    cases = ((-0.1, 4), (1.5, 4), (math.nan, 4), (0.5, 0), (0.5, 0.5), (0.5, -3), (0.5, math.nan))
    _check_rejects(student.amdahl_speedup, cases, "amdahl_speedup")


# --------------------------------------------------------------------------
# gustafson_speedup


@GUSTAFSON("Return $S_G(p, n)$ as a float", weight=3)
def test_gustafson_known_values(student):
    """gives Gustafson's scaled speedup (1 - p) + p * n as a float"""
    cases = [
        ((p, n), _gustafson(p, n), "")
        for p, n in ((0.9, 10), (0.5, 2), (0.75, 4), (0.95, 16), (0.99, 64), (0.3, 3))
    ]
    _check_values(student.gustafson_speedup, cases, "gustafson_speedup")


@GUSTAFSON("`n` is the number of workers, any number `>= 1` (it need not be a whole", weight=2)
def test_gustafson_edge_cases(student):
    """handles the edges: p = 0, p = 1, n = 1, a fractional n and a huge n"""
    cases = [
        ((0.0, 8.0), 1.0, "nothing runs in parallel, so no speedup"),
        ((1.0, 8.0), 8.0, "everything runs in parallel: speedup n"),
        ((0.9, 1.0), 1.0, "one worker gives no speedup"),
        ((0.5, 2.5), _gustafson(0.5, 2.5), "n may be any number >= 1"),
        ((0.95, 1e9), _gustafson(0.95, 1e9), "the scaled speedup has no limit"),
    ]
    _check_values(student.gustafson_speedup, cases, "gustafson_speedup")


@GUSTAFSON("also when `p` and `n` are both ints", weight=2)
def test_gustafson_int_arguments_give_floats(student):
    """returns a float when p and n are ints"""
    cases = [
        ((1, 4), 4.0, "p = 1 and n = 4, both ints"),
        ((0, 4), 1.0, "p = 0 and n = 4, both ints"),
        ((1, 1), 1.0, "p = 1 and n = 1, both ints"),
        ((0.5, 4), _gustafson(0.5, 4), "n as an int"),
        ((1, 2.5), 2.5, "p as an int"),
    ]
    _check_values(student.gustafson_speedup, cases, "gustafson_speedup")


@GUSTAFSON("Raise `ValueError` if `p` is outside `[0, 1]`", weight=2)
def test_gustafson_rejects_bad_input(student):
    """raises ValueError for p outside [0, 1], n < 1, and NaN"""
    cases = ((-0.1, 4), (1.5, 4), (math.nan, 4), (0.5, 0), (0.5, 0.5), (0.5, -3), (0.5, math.nan))
    _check_rejects(student.gustafson_speedup, cases, "gustafson_speedup")


# --------------------------------------------------------------------------
# karp_flatt


@KARP("Return $e$ as a float.", weight=3)
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


@KARP("A superlinear speedup", weight=2)
def test_karp_flatt_measured_values(student):
    """gives e = (1/S - 1/n) / (1 - 1/n) for measured speedups, superlinear ones included"""
    cases = [
        (
            (s, n),
            (1 / s - 1 / n) / (1 - 1 / n),
            "negative: the speedup is superlinear" if s > n else "",
        )
        for s, n in ((1.9, 2), (3.1, 4), (1.0, 8), (0.8, 2), (4.5, 4), (12.0, 16), (17.5, 16))
    ]
    _check_values(student.karp_flatt, cases, "karp_flatt")


@KARP("`speedup` and `n` are numbers", "Return $e$ as a float.")
def test_karp_flatt_takes_ints_and_fractional_workers(student):
    """takes int speedups and worker counts that are not whole numbers"""
    cases = [
        ((4, 2), (1 / 4 - 1 / 2) / (1 - 1 / 2), "both ints"),
        ((1, 4), 1.0, "an int speedup of 1: no speedup at all"),
        ((2, 4), (1 / 2 - 1 / 4) / (1 - 1 / 4), "both ints"),
        ((1.2, 1.5), (1 / 1.2 - 1 / 1.5) / (1 - 1 / 1.5), "n need not be whole"),
        ((3.0, 4.0), (1 / 3 - 1 / 4) / (1 - 1 / 4), "n as a float"),
    ]
    _check_values(student.karp_flatt, cases, "karp_flatt")


@KARP("Raise `ValueError` if `n <= 1`", weight=2)
def test_karp_flatt_rejects_bad_input(student):
    """raises ValueError for n <= 1, a speedup <= 0, and NaN"""
    cases = ((1.0, 1), (1.5, 0.5), (2.0, 0), (0.0, 4), (-1.0, 4), (math.nan, 4), (2.0, math.nan))
    _check_rejects(student.karp_flatt, cases, "karp_flatt")


# --------------------------------------------------------------------------
# plot_speedup

RESULTS = {
    # Worker counts out of order on purpose: the plot must sort them.
    "threads": {4: 1.1, 1: 0.98, 2: 1.05, 8: 1.2},
    "processes": {2: 1.9, 1: 1.0, 8: 6.5, 4: 3.7},
    "asyncio": {1: 1.0, 4: 3.9, 2: 2.0},
}
#: No executor but the last reaches 16 and only the middle one starts at 1.
SPREAD = {
    "threads": {4: 1.1, 2: 1.05},
    "processes": {2: 1.9, 1: 1.0, 4: 3.6},
    "asyncio": {16: 12.5, 8: 7.4},
}
#: The fewest workers are 2, not 1; threads get slower at 16, so sorting the points by
#: speedup does not sort them by workers.
UNEVEN = {
    "threads": {2: 1.05, 16: 0.9, 4: 1.1},
    "processes": {4: 3.6, 2: 1.9, 32: 20.0, 8: 6.5},
}
_NO_MARKER = (None, "", " ", "None", "none")
_NO_LINE = (None, "", " ", "None", "none")

# The figure is read through matplotlib's own methods, called on the base classes
# (a subclass could override them to lie), and every label or text must be an exact
# str and every data point goes through float(): no student object compares itself.


class _ShowWatch:
    """Replace `matplotlib.pyplot.show` by a recorder while a call runs.

    With the Agg backend of the checks plt.show() does nothing visible, so it
    can only be caught by watching it.
    """

    calls = 0

    def __enter__(self):
        import matplotlib.pyplot as plt

        self._plt, self._show = plt, plt.show

        def show(*args, **kwargs):
            _ShowWatch.calls += 1

        plt.show = show
        return self

    def __exit__(self, *exc):
        self._plt.show = self._show
        return False


def _figure(student, results):
    from matplotlib.figure import Figure

    with _ShowWatch():
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


def _floats(data, what="a line's data"):
    """Return the data as a list of exact floats (float() always makes one).

    Text fails: matplotlib draws strings as categories, evenly spaced in the order
    they come, whatever numbers they spell.
    """
    out = []
    for x in data:
        if real_isinstance(x, (str, bytes)):
            pytest.fail(
                f"{what} holds the text {safe_repr(x)}: plot the worker counts and speedups "
                "as numbers (strings make a category axis, evenly spaced, so 16 workers sit "
                "next to 4)",
                pytrace=False,
            )
        out.append(float(x))
    return out


def _close(*figs):
    import matplotlib.pyplot as plt

    for fig in figs:
        if fig is not None:
            plt.close(fig)


def _lines(ax):
    """Map each labelled line of `ax` (plot or errorbar) to its Line2D."""
    from matplotlib.axes import Axes
    from matplotlib.container import Container, ErrorbarContainer
    from matplotlib.lines import Line2D

    out = {}
    for line in Axes.get_lines(ax):
        label = _label(line) if real_isinstance(line, Line2D) else None
        if label and not label.startswith("_"):
            out.setdefault(label, []).append(line)
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
                out.setdefault(label, []).append(data)
    return out


def _series(ax):
    """Map each labelled line of `ax` (plot or errorbar) to its (x, y) data."""
    from matplotlib.lines import Line2D

    return {
        label: (
            _floats(Line2D.get_xdata(lines[0]), f"the x data of the {label!r} line"),
            _floats(Line2D.get_ydata(lines[0]), f"the y data of the {label!r} line"),
        )
        for label, lines in _lines(ax).items()
    }


def _main_axes(fig):
    axes = [ax for ax in _axes_of(fig) if _series(ax)]
    assert axes, "the figure has no labelled lines: give each line a label=..."
    return axes[0]


def _check_executor_lines(fig, results):
    """Every executor has exactly one line through its points, workers sorted."""
    lines = _lines(_main_axes(fig))
    series = _series(_main_axes(fig))
    for executor, points in results.items():
        assert executor in series, (
            f"no line labelled {executor!r}; found labels {safe_repr(sorted(series))}"
        )
        assert len(lines[executor]) == 1, (
            f"{len(lines[executor])} lines are labelled {executor!r}; draw one per executor"
        )
        xs, ys = series[executor]
        want_x = sorted(points)
        want_y = [points[n] for n in want_x]
        assert xs == pytest.approx(want_x) and ys == pytest.approx(want_y), (
            f"the {executor!r} line should go through "
            f"{list(zip(want_x, want_y, strict=True))} in that order (workers sorted), "
            f"but has x={safe_repr(xs)} y={safe_repr(ys)}"
        )
    others = [k for k in series if k not in results and "ideal" not in k.lower()]
    assert not others, f"unexpected labelled lines: {safe_repr(others)}"


def _check_ideal(fig, lo, hi):
    series = _series(_main_axes(fig))
    ideal = [k for k in series if "ideal" in k.lower()]
    assert ideal, f"no line whose label contains 'ideal'; labels: {safe_repr(sorted(series))}"
    xs, ys = series[ideal[0]]
    assert xs and ys == pytest.approx(xs), (
        f"on the ideal line speedup equals workers; it has x={safe_repr(xs)} y={safe_repr(ys)}"
    )
    assert min(xs) == pytest.approx(lo) and max(xs) == pytest.approx(hi), (
        f"the ideal line should run from {lo} to {hi} workers here (the fewest and the most "
        f"workers of any executor), it runs from {min(xs):g} to {max(xs):g}"
    )


@PLOT(
    "`results` maps an executor name to a dict",
    "The worker counts may come in any order",
    "On that Axes, draw:",
    "going through its points in increasing order of workers",
    weight=2,
)
def test_one_line_per_executor_with_sorted_data(student):
    """draws one labelled line per executor, workers on x in increasing order, speedup on y"""
    fig = _figure(student, RESULTS)
    try:
        _check_executor_lines(fig, RESULTS)
    finally:
        _close(fig)


@PLOT("going through its points in increasing order of workers")
def test_points_go_in_order_of_workers_even_when_speedup_falls(student):
    """orders each line's points by workers, also where the speedup falls as workers grow"""
    fig = _figure(student, UNEVEN)
    try:
        _check_executor_lines(fig, UNEVEN)
    finally:
        _close(fig)


@PLOT("with a marker at each point")
def test_executor_lines_have_markers(student):
    """draws each executor as a line with a marker at each point"""
    from matplotlib.lines import Line2D

    fig = _figure(student, RESULTS)
    try:
        lines = _lines(_main_axes(fig))
        for executor in RESULTS:
            assert executor in lines, f"no line labelled {executor!r}"
            line = lines[executor][0]
            marker = Line2D.get_marker(line)
            assert not (type(marker) is str and marker in _NO_MARKER) and marker is not None, (
                f"the {executor!r} line has no markers: pass marker='o' (or another marker)"
            )
            size = Line2D.get_markersize(line)
            assert float(size) > 0, f"the {executor!r} markers have size {safe_repr(size)}"
            every = Line2D.get_markevery(line)
            assert every is None or (type(every) is int and every == 1), (
                f"the {executor!r} line marks only some of its points "
                f"(markevery={safe_repr(every)}): leave markevery alone, so that each point "
                "has a marker"
            )
            style = Line2D.get_linestyle(line)
            assert not (type(style) is str and style in _NO_LINE), (
                f"the {executor!r} points are not joined by a line (linestyle {safe_repr(style)})"
            )
    finally:
        _close(fig)


@PLOT('a line labelled `"ideal"` where speedup equals workers', weight=2)
def test_ideal_line_spans_all_workers(student):
    """draws an ideal line, speedup = workers, from the fewest to the most workers"""
    fig = _figure(student, RESULTS)
    try:
        _check_ideal(fig, 1, 8)
    finally:
        _close(fig)


@PLOT('a line labelled `"ideal"` where speedup equals workers')
def test_ideal_line_spans_every_executor(student):
    """runs the ideal line over the worker counts of all executors, not of the first one"""
    fig = _figure(student, SPREAD)
    try:
        _check_executor_lines(fig, SPREAD)
        _check_ideal(fig, 1, 16)
    finally:
        _close(fig)


@PLOT('a line labelled `"ideal"` where speedup equals workers')
def test_ideal_line_starts_at_the_fewest_workers(student):
    """starts the ideal line at the fewest workers measured (2 here), not at 1"""
    fig = _figure(student, UNEVEN)
    try:
        _check_ideal(fig, 2, 32)
    finally:
        _close(fig)


@PLOT("axis labels: the x label mentions")
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


@PLOT("a legend.")
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


@PLOT("with exactly one Axes")
def test_figure_has_exactly_one_axes(student):
    """returns a figure with exactly one Axes"""
    from matplotlib.figure import Figure

    fig = _figure(student, RESULTS)
    try:
        count = len(list(Figure.axes.fget(fig)))
        assert count == 1, f"the figure should have exactly one Axes, it has {count}"
    finally:
        _close(fig)


@PLOT("Each call returns a new matplotlib `Figure`")
def test_each_call_returns_a_new_figure(student):
    """returns a new figure on every call, even when the last one was not closed"""
    first = {"threads": {1: 0.98, 2: 1.05}, "processes": {2: 1.9, 1: 1.0}}
    second = {"asyncio": {4: 3.9, 1: 1.0, 2: 2.0}}
    fig1 = fig2 = None
    try:
        fig1 = _figure(student, first)
        fig2 = _figure(student, second)  # fig1 is still open, and pyplot's current figure
        assert fig2 is not fig1, "the second call returned the figure of the first call"
        for fig, results in ((fig1, first), (fig2, second)):
            _check_executor_lines(fig, results)
            assert len(_axes_of(fig)) == 1, "each figure should have exactly one Axes"
    finally:
        _close(fig1, fig2)


@PLOT("Don't draw on a figure that already exists")
def test_leaves_other_figures_alone(student):
    """draws nothing on a figure that was open and current before the call"""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    before = plt.figure()  # pyplot's current figure now, as in a notebook that just plotted
    fig = None
    try:
        theirs = before.add_subplot()
        theirs.plot([0.0, 1.0], [1.0, 0.0], label="someone else's line")
        fig = _figure(student, RESULTS)
        assert fig is not before, "plot_speedup drew on the figure that was already open"
        axes = list(Figure.axes.fget(before))
        assert len(axes) == 1 and axes[0] is theirs, (
            f"plot_speedup added Axes to a figure that was already open: it has {len(axes)}"
        )
        assert len(Axes.get_lines(theirs)) == 1, (
            "plot_speedup drew lines on the Axes of a figure that was already open"
        )
        _check_executor_lines(fig, RESULTS)
    finally:
        _close(fig, before)


@PLOT("Don't call `plt.show()`.")
def test_never_calls_plt_show(student):
    """never calls plt.show()"""
    before = _ShowWatch.calls
    fig = _figure(student, RESULTS)
    _close(fig)
    shown = _ShowWatch.calls - before
    assert shown == 0, f"plot_speedup called plt.show() {shown} time(s); return the figure"


@PLOT("Don't modify `results`")
def test_leaves_results_alone(student):
    """changes nothing in results: no value, no key, not the order of the keys"""
    results = {"processes": {16: 14.2, 1: 1.0, 4: 3.9}, "asyncio": {2: 2.0, 1: 1.0}}
    before = copy.deepcopy(results)
    outer = list(results)
    inner = {k: (v, list(v.items())) for k, v in results.items()}
    fig = _figure(student, results)
    try:
        series = _series(_main_axes(fig))
        assert "processes" in series, (
            f"no line labelled 'processes'; labels: {safe_repr(sorted(series))}"
        )
    finally:
        _close(fig)
    # Exact types: the dict is the test's, but what is in it now may not be.
    assert same(results, before), "plot_speedup changed the results it was given"
    assert same(list(results), outer), (
        f"plot_speedup changed the order of the executors: {safe_repr(outer)} became "
        f"{safe_repr(list(results))}"
    )
    for name, (points, items) in inner.items():
        assert results[name] is points, f"plot_speedup replaced the dict of {name!r}"
        assert same(list(points.items()), items), (
            f"plot_speedup reordered the points of {name!r}: {safe_repr(items)} became "
            f"{safe_repr(list(points.items()))}"
        )
