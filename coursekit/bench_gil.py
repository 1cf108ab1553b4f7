"""Small measurements that show the GIL at work, for the 04_gil lesson.

* `gil_turns`: how long a CPU-bound thread keeps the GIL before it must hand
  it over (about one switch interval, `sys.getswitchinterval()`);
* `echo` and `convoy_sweep`: latency and round trips per second of a socket
  echo server thread, alone and next to a CPU-bound thread (the convoy
  effect), for several switch intervals, in interleaved rounds with medians;
  the client runs in a process of its own (`EchoClient`); `plot_convoy`
  draws the result;
* `hash_in_chunks`: hashing that holds the GIL (small updates) or releases it
  (updates larger than 2047 bytes), to run in threads.

Every measurement restores the switch interval it changes, stops the threads
it starts, and has a deadline on every wait.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from coursekit.bench import countdown, environment, environment_caption, new_figure

__all__ = [
    "EchoClient",
    "convoy_sweep",
    "echo",
    "gil_turns",
    "hash_in_chunks",
    "median_ms",
    "plot_convoy",
    "switch_interval",
]


@contextlib.contextmanager
def switch_interval(seconds: float | None) -> Iterator[float]:
    """Set `sys.setswitchinterval(seconds)` inside a with block, and restore it after.

    None leaves the interval as it is.
    """
    old = sys.getswitchinterval()
    try:
        if seconds is not None:
            sys.setswitchinterval(seconds)
        yield sys.getswitchinterval()
    finally:
        sys.setswitchinterval(old)


def gil_turns(seconds: float = 0.3, threads: int = 2, interval: float | None = None) -> list[float]:
    """Run `threads` CPU-bound threads for `seconds`; return how long each turn lasted.

    Every thread spins, reading the clock and checking who ran last. With the
    GIL only one of them runs at a time, so a change of owner marks the moment
    the GIL changed hands, and the time between two changes is one turn.
    """
    owner = [-1]
    switches: list[float] = []
    end = time.perf_counter() + seconds
    ready = threading.Barrier(threads, timeout=10)

    def spin(me: int) -> None:
        clock = time.perf_counter
        ready.wait()
        while clock() < end:
            if owner[0] != me:
                owner[0] = me
                # Read the clock only now, after taking ownership: a reading taken
                # before a hand-over would belong to the previous turn.
                switches.append(clock())

    with switch_interval(interval):
        workers = [threading.Thread(target=spin, args=(i,), daemon=True) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(seconds + 10)
    switches.sort()
    return [b - a for a, b in zip(switches, switches[1:], strict=False)]


GO = b"!"


def _round_trips(
    port: int, seconds: float, pause: float, payload: bytes
) -> tuple[int, float, float]:
    """Send `payload` to the echo server on `port` and wait for it back, for `seconds`.

    Waits `pause` seconds between round trips, as a client on a real network
    would. Returns (round trips, elapsed seconds, median round-trip latency in
    seconds).
    """
    latencies = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The server says "go" once it and the busy threads are running.
        if sock.recv(1) != GO:
            raise ConnectionError("the echo server did not say go")
        start = time.perf_counter()
        end = start + seconds
        while True:
            sent = time.perf_counter()
            sock.sendall(payload)
            received = 0
            while received < len(payload):
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("the echo server closed the connection")
                received += len(chunk)
            now = time.perf_counter()
            latencies.append(now - sent)
            if now >= end:
                break
            if pause:
                time.sleep(pause)
    return len(latencies), now - start, statistics.median(latencies)


def _client_loop(jobs) -> None:
    """Run echo clients one after another, as `jobs` asks, in a child process.

    Being a separate process, the client never competes for the GIL of the
    process under test. Each job is (port, seconds, pause, payload); the
    answer is what `_round_trips` returns, or ("error", text). None, or ten
    minutes without a job, ends the loop.
    """
    while jobs.poll(600):
        job = jobs.recv()
        if job is None:
            break
        try:
            jobs.send(_round_trips(*job))
        except OSError as exc:
            jobs.send(("error", repr(exc)))
    jobs.close()


def _default_start_method() -> str:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class EchoClient:
    """One client process that `echo` can reuse for many measurements.

    It is started with "forkserver" (or "spawn" where there is no forkserver),
    never with a plain fork of this process: a Jupyter kernel always runs
    several threads, and a child forked from such a process may inherit a lock
    that one of them held. Starting the process takes a moment (it imports
    this module), so a sweep of many measurements starts it once. Use it as a
    context manager; leaving the block stops the process.
    """

    def __init__(self, start_method: str | None = None) -> None:
        import multiprocessing

        context = multiprocessing.get_context(start_method or _default_start_method())
        self._jobs, child_end = context.Pipe()
        self._process = context.Process(target=_client_loop, args=(child_end,), daemon=True)
        self._process.start()
        child_end.close()

    def run(
        self, port: int, seconds: float, pause: float, payload: bytes
    ) -> tuple[int, float, float]:
        """Run one client against `port`; return (round trips, elapsed, median latency)."""
        self._jobs.send((port, seconds, pause, payload))
        if not self._jobs.poll(seconds + 60):
            raise TimeoutError("the echo client did not report back within a minute")
        try:
            answer = self._jobs.recv()
        except (EOFError, OSError) as exc:
            raise ConnectionError(f"the echo client process ended: {exc!r}") from exc
        if answer[0] == "error":
            raise ConnectionError(f"the echo client failed: {answer[1]}")
        return answer

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._jobs.send(None)
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        self._jobs.close()

    def __enter__(self) -> EchoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def echo(
    seconds: float = 0.3,
    busy_threads: int = 0,
    interval: float | None = None,
    *,
    pause: float = 0.0,
    payload: bytes = b"ping" * 8,
    start_method: str | None = None,
    client: EchoClient | None = None,
) -> dict[str, float]:
    """Measure an echo server thread in this process; return its rate and latency.

    A client in a child process (`client`, or a new `EchoClient` started with
    `start_method` for this one call) sends `payload` over TCP on the loopback
    interface and waits for it to come back, again and again for `seconds`,
    pausing `pause` seconds between round trips. Meanwhile `busy_threads`
    CPU-bound threads run in this process, next to the server thread, with the
    switch interval set to `interval` (default: leave it as it is).

    Returns {"rate": round trips per second, "latency": median seconds from
    send to reply, "round_trips": how many}. Each time the server's recv
    returns, the server thread needs the GIL back; next to a CPU-bound thread
    that does not let go of it, it waits at least one switch interval for it.
    That is the convoy effect.
    """
    if client is None:
        with EchoClient(start_method) as own:
            return echo(seconds, busy_threads, interval, pause=pause, payload=payload, client=own)

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError), listener:
            conn, _ = listener.accept()
            conn.settimeout(30)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with conn:
                conn.sendall(GO)
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    conn.sendall(data)

    def burn() -> None:
        while not stop.is_set():
            countdown(20_000)  # well under a millisecond between checks of `stop`

    helpers = [
        threading.Thread(target=burn, name=f"busy-{i}", daemon=True) for i in range(busy_threads)
    ]
    helpers.append(threading.Thread(target=serve, name="echo-server", daemon=True))
    with switch_interval(interval):
        try:
            for t in helpers:
                t.start()
            count, elapsed, latency = client.run(port, seconds, pause, payload)
        finally:
            stop.set()
            with contextlib.suppress(OSError):
                listener.close()
            for t in helpers:
                t.join(10)
    return {"rate": count / elapsed, "latency": latency, "round_trips": count}


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    """Medians, and the lowest and highest value, of several `echo` results."""
    out: dict[str, Any] = {"runs": runs}
    for key in ("rate", "latency"):
        values = [r[key] for r in runs]
        out[key] = statistics.median(values)
        out[f"{key}_range"] = (min(values), max(values))
    return out


def convoy_sweep(
    intervals: Sequence[float] = (0.005, 0.001, 0.0002, 0.00005),
    seconds: float = 0.2,
    pause: float = 0.001,
    repeats: int = 5,
    start_method: str | None = None,
) -> dict[str, Any]:
    """Measure the echo alone and next to one CPU-bound thread, at each switch interval.

    Two kinds of client: one that sends back-to-back (round trips per second)
    and one that pauses `pause` seconds between requests (latency of each
    request). There are `repeats` rounds; every round measures "alone" and
    every interval once, with both clients, in an order rotated by one place
    from the round before, so that a burst of load from another program is
    spread over all of them. Each entry holds the median over the rounds of
    "rate" and "latency", their lowest and highest values ("rate_range",
    "latency_range") and every run ("runs").
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    configs: list[float | None] = [None, *intervals]  # None: alone, no busy thread
    kinds = (("back_to_back", 0.0), ("paced", pause))
    runs: dict[str, dict[float | None, list[dict[str, float]]]] = {
        kind: {c: [] for c in configs} for kind, _ in kinds
    }
    with EchoClient(start_method) as client:
        for r in range(repeats):
            shift = r % len(configs)
            for config in configs[shift:] + configs[:shift]:
                for kind, gap in kinds if r % 2 == 0 else kinds[::-1]:
                    busy = 0 if config is None else 1
                    result = echo(seconds, busy, config, pause=gap, client=client)
                    runs[kind][config].append(result)
    out: dict[str, Any] = {
        "seconds": seconds,
        "pause": pause,
        "repeats": repeats,
        "environment": environment(start_method or _default_start_method()),
    }
    for kind, _ in kinds:
        out[kind] = {
            "alone": _summary(runs[kind][None]),
            "busy": {iv: _summary(runs[kind][iv]) for iv in intervals},
        }
    return out


def _readable(value: float, _pos: Any = None) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def _spread(entry: dict[str, Any], key: str, scale: float) -> tuple[float, float]:
    """How far below and above the median of `key` its range reaches (0 when not measured)."""
    low, high = entry.get(f"{key}_range", (entry[key], entry[key]))
    return (entry[key] - low) * scale, (high - entry[key]) * scale


def _draw(ax, xs: list[float], entries: list[dict[str, Any]], key: str, scale: float) -> None:
    """Medians next to the CPU-bound thread, with their lowest-to-highest range as bars."""
    spreads = [_spread(e, key, scale) for e in entries]
    ax.errorbar(
        xs,
        [e[key] * scale for e in entries],
        yerr=[[lo for lo, _ in spreads], [hi for _, hi in spreads]],
        fmt="o-",
        color="tab:red",
        capsize=3,
        label="next to 1 CPU-bound thread",
    )


def _draw_alone(ax, entry: dict[str, Any], key: str, scale: float) -> None:
    """The median alone as a dashed line, and its range as a band."""
    ax.axhline(entry[key] * scale, color="tab:blue", ls="--", label="alone")
    low, high = entry.get(f"{key}_range", (entry[key], entry[key]))
    if high > low:
        ax.axhspan(low * scale, high * scale, color="tab:blue", alpha=0.12, lw=0)


def plot_convoy(sweep: dict[str, Any]):
    """Plot echo latency and throughput against the switch interval; return the Figure.

    Left: median latency of paced requests, alone and next to a CPU-bound
    thread, with the switch interval itself drawn for comparison. Right:
    round trips per second of a back-to-back client. Points and dashed lines
    are medians over the rounds; bars and bands reach from the lowest to the
    highest round. Only this run's own measurements are drawn: figures nobody
    can look up are not.
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    fig = new_figure((11, 4.4))
    lat_ax, rate_ax = fig.subplots(1, 2)
    intervals = sorted(sweep["paced"]["busy"])
    xs = [iv * 1000 for iv in intervals]

    paced = sweep["paced"]
    lat_ax.plot(xs, xs, ":", color="0.5", label="one switch interval")
    _draw(lat_ax, xs, [paced["busy"][iv] for iv in intervals], "latency", 1000)
    _draw_alone(lat_ax, paced["alone"], "latency", 1000)
    lat_ax.set_ylabel("median round-trip latency (ms)")
    lat_ax.set_title(
        f"Latency of a request (client pauses {sweep['pause'] * 1000:g} ms between requests)",
        fontsize=9.5,
    )

    b2b = sweep["back_to_back"]
    _draw(rate_ax, xs, [b2b["busy"][iv] for iv in intervals], "rate", 1)
    _draw_alone(rate_ax, b2b["alone"], "rate", 1)
    rate_ax.set_ylabel("round trips per second")
    rate_ax.set_title("Throughput of a client that never pauses", fontsize=9.5)

    for ax in (lat_ax, rate_ax):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(FixedLocator(xs))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.yaxis.set_major_formatter(FuncFormatter(_readable))
        ax.set_xlabel("switch interval (ms)  [default 5]")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle("The convoy effect: an echo server thread next to a CPU-bound thread")
    repeats = sweep.get("repeats", 1)
    rounds = (
        f"median of {repeats} interleaved rounds of {sweep['seconds']:g} s per point, "
        "bars from lowest to highest"
        if repeats > 1
        else f"{sweep['seconds']:g} s per point"
    )
    fig.text(
        0.5,
        -0.01,
        f"{environment_caption(sweep['environment'])}; {rounds}",
        ha="center",
        va="top",
        fontsize=8,
        color="0.3",
    )
    return fig


_BUFFERS: dict[int, bytes] = {}


def hash_in_chunks(chunk: int, total: int = 1 << 23) -> str:
    """Return the SHA-256 of `total` zero bytes, fed to the hash `chunk` bytes at a time.

    hashlib releases the GIL while it hashes an update larger than 2047
    bytes, so large chunks let threads hash in parallel; small chunks keep the
    GIL (and spend most of their time in the Python loop anyway).
    """
    data = _BUFFERS.get(total)
    if data is None:
        data = _BUFFERS.setdefault(total, bytes(total))
    view = memoryview(data)
    h = hashlib.sha256()
    for i in range(0, total, chunk):
        h.update(view[i : i + chunk])
    return h.hexdigest()


def median_ms(values: Sequence[float]) -> float:
    """Return the median of `values` (seconds) in milliseconds; nan when empty."""
    return statistics.median(values) * 1000 if values else float("nan")
