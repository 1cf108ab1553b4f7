"""Tests for coursekit.bench and coursekit.bench_gil: the measuring, not the machine.

Nothing here asserts a speedup (that is a benchmark's job, see docs/benchmarks/).
Timing checks are loose ratios that hold on a loaded two-core machine.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import multiprocessing
import subprocess
import sys

import pytest
from conftest import ROOT

from coursekit import bench, bench_gil

START_METHODS = [
    m for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()
]

TINY = bench.Config(
    mode="tiny",
    repeats=3,
    warmup=1,
    cpu_workers=(1, 2),
    cpu_seconds=0.02,
    io_workers=(1, 2, 4),
    io_waits=4,
    io_wait=0.002,
)


@pytest.fixture(scope="module")
def tiny_results():
    return bench.run_benchmark(TINY, countdown_n=20_000)


# --------------------------------------------------------------------------
# Workloads and formulas


def test_countdown_and_calibration():
    assert bench.countdown(10_000) is None
    n = bench.calibrate_countdown(0.01)
    assert n > 1000
    with pytest.raises(ValueError, match="positive"):
        bench.calibrate_countdown(0)


def test_the_exercises_answers_are_not_importable():
    # Assignment 08 asks students to write Amdahl's law and the Karp-Flatt metric.
    for name in ("amdahl", "karp_flatt", "gustafson", "REFERENCE"):
        assert not hasattr(bench, name), name


def test_gil_state_and_environment_describe_this_interpreter():
    state = bench.gil_state()
    assert set(state) == {"free_threaded_build", "gil_enabled"}
    if sys.version_info < (3, 13):
        assert state == {"free_threaded_build": False, "gil_enabled": True}
    env = bench.environment("spawn")
    for key in ("python", "cpu_count", "usable_cpus", "cpu_model", "gil_enabled", "start_method"):
        assert key in env
    assert env["start_method"] == "spawn"
    caption = bench.environment_caption(env)
    assert env["python"] in caption and "GIL" in caption


def test_in_jupyter_is_false_in_a_plain_process():
    assert bench.in_jupyter() is False


# --------------------------------------------------------------------------
# Running calls on workers


def test_threads_overlap_waits_and_serial_does_not():
    serial = bench.time_parallel(bench.io_wait, [0.05] * 4, "serial")
    threaded = bench.time_parallel(bench.io_wait, [0.05] * 4, "threads", 4)
    assert serial >= 0.19
    assert threaded < serial / 2


def test_asyncio_overlaps_waits_even_inside_a_running_loop():
    async def inside():
        # As in a notebook: a loop is already running in this thread.
        return bench.time_parallel(bench.io_wait_async, [0.05] * 4, "asyncio", 4)

    assert asyncio.run(inside()) < 0.15
    assert bench.time_parallel(bench.io_wait_async, [0.02] * 4, "asyncio", 1) >= 0.07


def test_blocking_call_in_asyncio_does_not_overlap():
    assert bench.time_parallel(bench.io_wait, [0.03] * 3, "asyncio", 3) >= 0.085


def test_cpu_time_of_threads_running_python_stays_within_one_core():
    wall, cpu = bench.measure_parallel(bench.countdown, [300_000] * 4, "threads", 4)
    assert wall > 0 and cpu > 0
    if bench.gil_state()["gil_enabled"]:
        assert cpu / wall < 1.3


@pytest.mark.parametrize("method", START_METHODS)
def test_process_workers_run_under_every_start_method(method):
    wall, cpu = bench.measure_parallel(
        bench.countdown, [50_000] * 4, "processes", 2, start_method=method
    )
    assert wall > 0 and cpu > 0
    assert bench.time_parallel(bench.io_wait, [0.01] * 2, "processes", 2, start_method=method) > 0


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="unknown executor"):
        bench.time_parallel(bench.io_wait, [0.0], "fibres", 2)
    with pytest.raises(ValueError, match="at least 1"):
        bench.time_parallel(bench.io_wait, [0.0], "threads", 0)
    with pytest.raises(ValueError, match="repeats"):
        bench.run_benchmark(TINY.replace(repeats=0))
    with pytest.raises(ValueError, match="unknown executors"):
        bench.run_benchmark(TINY.replace(cpu_executors=("fibres",)))
    with pytest.raises(ValueError, match="workloads"):
        bench.run_benchmark(TINY, workloads=("gpu",))


# --------------------------------------------------------------------------
# Subinterpreters: a fourth executor where the Python has them

SUBINTERPRETERS = bench.unavailable_reason("subinterpreters")
needs_subinterpreters = pytest.mark.skipif(
    SUBINTERPRETERS is not None, reason=f"subinterpreters: {SUBINTERPRETERS}"
)


def test_subinterpreters_are_reported_unavailable_with_a_reason_not_an_error():
    if sys.version_info >= (3, 14):
        assert SUBINTERPRETERS is None
    elif sys.version_info < (3, 13):
        assert "3.14" in SUBINTERPRETERS and "interpreters-pep-734" in SUBINTERPRETERS
    config = TINY.replace(
        repeats=1, warmup=0, cpu_workers=(1,), io_workers=(2,),
        cpu_executors=("threads", "subinterpreters"), io_executors=("subinterpreters",),
    )  # fmt: skip
    results = bench.run_benchmark(config, countdown_n=20_000)
    measured = {r["executor"] for r in results["runs"]}
    if SUBINTERPRETERS is None:
        assert "subinterpreters" in measured and results["unavailable"] == {}
    else:
        assert results["unavailable"] == {"subinterpreters": SUBINTERPRETERS}
        assert measured == {"serial", "threads"}
        assert f"subinterpreters**: not measured: {SUBINTERPRETERS}" in bench.markdown_table(
            results
        )
    with pytest.raises(ValueError, match="unknown executor"):
        bench.unavailable_reason("fibres")


@needs_subinterpreters
def test_subinterpreters_run_the_calls_and_overlap_waits():
    wall, cpu = bench.measure_parallel(bench.countdown, [100_000] * 4, "subinterpreters", 2)
    assert wall > 0 and cpu > 0
    serial = bench.time_parallel(bench.io_wait, [0.05] * 4, "serial")
    overlapped = bench.time_parallel(bench.io_wait, [0.05] * 4, "subinterpreters", 4)
    assert overlapped < serial / 2


@needs_subinterpreters
def test_subinterpreters_need_an_importable_function():
    with pytest.raises(ValueError, match="importable"):
        bench.time_parallel(lambda n: None, [1], "subinterpreters", 1)


def test_cli_selects_executors(tmp_path):
    out = tmp_path / "sub"
    proc = _cli(
        "--workloads", "io", "--executors", "threads,subinterpreters", "--scale", "0.05",
        "--repeats", "1", "--warmup", "0", "--no-plots", "--no-progress", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    results = bench.load_results(out / "results.json")
    measured = {r["executor"] for r in results["runs"]}
    if SUBINTERPRETERS is None:
        assert measured == {"serial", "threads", "subinterpreters"}
    else:
        assert measured == {"serial", "threads"}
        assert f"subinterpreters not measured: {SUBINTERPRETERS}" in proc.stderr


# --------------------------------------------------------------------------
# The protocol: warm-up, interleaving, pairing


def test_every_round_runs_every_configuration_once_in_a_shuffled_order(tiny_results):
    runs = tiny_results["runs"]
    configs = {(r["workload"], r["executor"], r["workers"]) for r in runs}
    # serial + 2 executors x 2 counts (cpu), serial + 3 executors x 3 counts (io)
    assert len(configs) == 5 + 10
    rounds = TINY.warmup + TINY.repeats
    assert len(runs) == rounds * len(configs)
    orders = []
    for rnd in range(rounds):
        block = runs[rnd * len(configs) : (rnd + 1) * len(configs)]
        assert {r["round"] for r in block} == {rnd}, "rounds must not mix: A B A B, not A A B B"
        assert {(r["workload"], r["executor"], r["workers"]) for r in block} == configs
        assert all(r["warmup"] == (rnd < TINY.warmup) for r in block)
        orders.append([(r["workload"], r["executor"], r["workers"]) for r in block])
    assert len({tuple(o) for o in orders}) > 1, "the order should be shuffled between rounds"


def test_results_record_the_environment_and_the_jobs(tiny_results):
    assert tiny_results["schema"] == bench.SCHEMA
    assert tiny_results["environment"]["cpu_count"] >= 1
    assert tiny_results["config"]["repeats"] == 3
    assert tiny_results["workloads"]["cpu"]["tasks"] == 2  # one per worker at the most workers
    assert tiny_results["workloads"]["io"]["tasks"] == 4
    json.dumps(tiny_results)  # JSON-ready


def test_summaries_pair_each_run_with_the_serial_run_of_its_round():
    def run(rnd, executor, workers, seconds, warmup=False):
        return {
            "workload": "cpu",
            "executor": executor,
            "workers": workers,
            "round": rnd,
            "warmup": warmup,
            "seconds": seconds,
            "cpu_seconds": seconds,
        }

    results = {
        "workloads": {"cpu": {"executors": ["processes"], "workers": [2]}},
        "runs": [
            run(0, "serial", 1, 100.0, warmup=True),
            run(0, "processes", 2, 1.0, warmup=True),
            run(1, "serial", 1, 2.0),
            run(1, "processes", 2, 1.0),  # 2.0x
            run(2, "serial", 1, 4.0),  # a slow round: load came and went
            run(2, "processes", 2, 4.0),  # 1.0x
            run(3, "serial", 1, 3.0),
            run(3, "processes", 2, 1.0),  # 3.0x
        ],
    }
    rows = {(r["executor"], r["workers"]): r for r in bench.summarize(results)}
    proc = rows[("processes", 2)]
    assert proc["repeats"] == 3
    assert proc["speedup_median"] == pytest.approx(2.0)
    assert proc["speedup_q1"] == pytest.approx(1.5)
    assert proc["speedup_q3"] == pytest.approx(2.5)
    assert proc["efficiency"] == pytest.approx(1.0)
    assert proc["cores_busy"] == pytest.approx(1.0)
    assert rows[("serial", 1)]["speedup_median"] == pytest.approx(1.0)
    assert bench.speedup_table(results, "cpu") == {"processes": {2: pytest.approx(2.0)}}


def test_save_and_load_round_trip(tiny_results, tmp_path):
    path = bench.save_results(tiny_results, tmp_path / "deep" / "results.json")
    assert bench.load_results(path) == json.loads(json.dumps(tiny_results))
    other = tmp_path / "other.json"
    other.write_text('{"cells": []}')
    with pytest.raises(ValueError, match="does not hold"):
        bench.load_results(other)


def test_markdown_table_has_a_row_per_configuration(tiny_results):
    table = bench.markdown_table(tiny_results)
    assert table.count("\n| cpu |") == 5 and table.count("\n| io |") == 10
    assert "GIL" in table and "cores busy" in table


# --------------------------------------------------------------------------
# Plots


def _labels(ax):
    handles, labels = ax.get_legend_handles_labels()
    return labels


def test_speedup_plot_has_ideal_line_executors_and_labels(tiny_results):
    from matplotlib.figure import Figure

    fig = bench.plot_results(tiny_results)
    assert isinstance(fig, Figure)
    cpu_ax, io_ax = fig.axes
    assert "threads" in _labels(cpu_ax) and "processes" in _labels(cpu_ax)
    assert {"threads", "processes", "asyncio"} <= set(_labels(io_ax))
    for ax in (cpu_ax, io_ax):
        assert ax.get_xlabel() == "workers" and "speedup" in ax.get_ylabel()
        ideal = [line for line in ax.get_lines() if line.get_label().startswith("ideal")]
        assert ideal and list(ideal[0].get_xdata()) == list(ideal[0].get_ydata())
        assert ax.get_legend() is not None


def test_efficiency_and_cores_plots(tiny_results):
    eff = bench.plot_efficiency(tiny_results)
    cores = bench.plot_cores_busy(tiny_results)
    for fig in (eff, cores):
        assert len(fig.axes) == 2
        assert all(ax.get_xlabel() == "workers" for ax in fig.axes)
    assert "efficiency" in eff.axes[0].get_ylabel()
    assert "cores busy" in cores.axes[0].get_ylabel()


# --------------------------------------------------------------------------
# Command line


def _cli(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "coursekit.bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_cli_writes_results_table_and_plots(tmp_path):
    out = tmp_path / "bench"
    proc = _cli("--quick", "--scale", "0.05", "--repeats", "1", "--warmup", "0", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    for name in ("results.json", "table.md", "speedup.png", "efficiency.png", "cores.png"):
        assert (out / name).stat().st_size > 0, name
    results = bench.load_results(out / "results.json")
    assert results["mode"] == "quick"
    assert "| cpu | processes |" in proc.stdout


def test_cli_under_spawn_finds_its_workers_by_module_name(tmp_path):
    # Run as `python -m coursekit.bench`, the module is __main__: workers must still be
    # pickled as coursekit.bench.countdown for spawned processes to find them.
    out = tmp_path / "spawn"
    proc = _cli(
        "--workloads", "cpu", "--start-method", "spawn", "--scale", "0.05",
        "--repeats", "1", "--warmup", "0", "--no-plots", "--no-progress", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    results = bench.load_results(out / "results.json")
    assert results["environment"]["start_method"] == "spawn"
    assert proc.stderr == ""


def test_cli_rejects_bad_input_with_one_line():
    proc = _cli("--scale", "-1", "--out", "/nonexistent/never")
    assert proc.returncode == 2 and proc.stderr.startswith("error:")
    proc = _cli("--workloads", "gpu", "--no-progress", "--out", "/nonexistent/never")
    assert proc.returncode == 2 and "workloads" in proc.stderr


# --------------------------------------------------------------------------
# bench_gil


def test_switch_interval_is_restored():
    before = sys.getswitchinterval()
    with bench_gil.switch_interval(0.001) as now:
        assert now == pytest.approx(0.001)
    assert sys.getswitchinterval() == before
    with pytest.raises(RuntimeError), bench_gil.switch_interval(0.002):
        raise RuntimeError
    assert sys.getswitchinterval() == before


def test_gil_turns_are_measured_and_the_interval_restored():
    before = sys.getswitchinterval()
    turns = bench_gil.gil_turns(seconds=0.1, interval=0.001)
    assert turns and all(t >= 0 for t in turns)
    assert sys.getswitchinterval() == before
    assert not math.isnan(bench_gil.median_ms(turns))


def test_echo_answers_alone_and_next_to_a_busy_thread():
    before = sys.getswitchinterval()
    alone = bench_gil.echo(0.1)
    busy = bench_gil.echo(0.1, busy_threads=1, interval=0.001, pause=0.001)
    for result in (alone, busy):
        assert result["round_trips"] >= 1 and result["rate"] > 0 and result["latency"] > 0
    assert sys.getswitchinterval() == before


def test_hash_in_chunks_matches_hashlib():
    data = bytes(1 << 16)
    expected = hashlib.sha256(data).hexdigest()
    assert bench_gil.hash_in_chunks(256, 1 << 16) == expected
    assert bench_gil.hash_in_chunks(1 << 14, 1 << 16) == expected


def test_convoy_plot_has_both_panels():
    alone = {"rate": 10_000.0, "latency": 1e-4, "round_trips": 1000}
    busy = {iv: {"rate": 100.0, "latency": iv, "round_trips": 10} for iv in (0.005, 0.001)}
    sweep = {
        "seconds": 0.1,
        "pause": 0.001,
        "environment": bench.environment(),
        "paced": {"alone": alone, "busy": busy},
        "back_to_back": {"alone": alone, "busy": busy},
    }
    fig = bench_gil.plot_convoy(sweep)
    latency_ax, rate_ax = fig.axes
    assert "latency" in latency_ax.get_ylabel() and "round trips" in rate_ax.get_ylabel()
    labels = _labels(rate_ax)
    assert labels and not any("published" in label for label in labels), (
        "the convoy plot draws only this run's measurements, never unsourced figures"
    )


def test_modules_import_without_matplotlib_or_tqdm():
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['tqdm'] = None\n"
        "from coursekit import bench, bench_gil\n"
        "r = bench.run_benchmark(bench.QUICK.replace(cpu_workers=(1,), io_workers=(1,), "
        "repeats=1, warmup=0, cpu_seconds=0.01, io_wait=0.001, io_waits=2), progress=True)\n"
        "print(len(r['runs']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    # serial and two executors for the CPU-bound job; serial and three for the I/O-bound one
    assert proc.stdout.strip() == str(3 + 4)
