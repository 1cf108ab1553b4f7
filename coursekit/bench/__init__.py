"""Measure speedup against the number of workers, honestly, and plot it.

The question this module answers is the one students ask: "if I use N workers, how
much faster does my program get?" It times the same fixed job (strong scaling) on
1, 2, 4, ... workers of each kind and compares every run with a plain serial run:

* a CPU-bound job: `countdown` loops in pure Python, holding the GIL;
* an I/O-bound job: `io_wait` sleeps, which releases the GIL (like a socket read).

The workers are threads, processes, asyncio coroutines or, where the Python has
them, subinterpreters (PEP 734: `concurrent.interpreters` on 3.14, the
`interpreters-pep-734` backport on 3.13), each with its own GIL. An executor
that this Python cannot run is reported as unavailable, with the reason, and
left out; it is not an error.

How it keeps the numbers honest:

* **warm-up**: the first round of every configuration is run and thrown away;
  every pool is started and every worker proven alive *before* the clock starts,
  so process start-up cost is not mistaken for parallel speed;
* **interleaving**: each round runs every configuration once, in a shuffled
  order (A B C, B C A, ...), never all repeats of one then all of the next, so a
  burst of load from elsewhere hits every configuration alike;
* **paired speedups**: a run is divided into the serial run *of the same round*,
  and the plots show the median with the interquartile range;
* **the environment travels with the numbers**: CPU count and model, Python
  version, GIL state, start method and load average are saved in the JSON and
  printed under every figure.

The package is split along its seams: ``workloads`` (the jobs, at module level so
that process pools can import them under every start method: ``fork``, ``spawn``
and ``forkserver``), ``executors`` (running a batch on N workers), ``config``,
``environment``, ``run`` (the measurement), ``analysis`` (summaries and tables),
``plots`` and ``cli``. Everything public is importable from ``coursekit.bench``.

Use it from a notebook::

    from coursekit import bench
    results = bench.run_benchmark(bench.QUICK)
    bench.plot_results(results)

or from a shell (writes results.json, table.md, speedup.png, efficiency.png, cores.png)::

    python -m coursekit.bench --quick --out build/bench
    python -m coursekit.bench --quick --executors threads,processes,subinterpreters
"""

from .analysis import load_results, markdown_table, save_results, speedup_table, summarize
from .cli import main
from .config import EXECUTORS, FULL, QUICK, SCHEMA, Config
from .environment import environment, environment_caption, gil_state, in_jupyter
from .executors import measure_parallel, time_parallel, unavailable_reason
from .plots import new_figure, plot_cores_busy, plot_efficiency, plot_results
from .run import run_benchmark
from .workloads import calibrate_countdown, countdown, io_wait, io_wait_async

__all__ = [
    "EXECUTORS",
    "FULL",
    "QUICK",
    "SCHEMA",
    "Config",
    "calibrate_countdown",
    "countdown",
    "environment",
    "environment_caption",
    "gil_state",
    "in_jupyter",
    "io_wait",
    "io_wait_async",
    "load_results",
    "main",
    "markdown_table",
    "measure_parallel",
    "new_figure",
    "plot_cores_busy",
    "plot_efficiency",
    "plot_results",
    "run_benchmark",
    "save_results",
    "speedup_table",
    "summarize",
    "time_parallel",
    "unavailable_reason",
]
