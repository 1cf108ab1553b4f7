"""Small measurements that show the GIL at work, for the 04_gil lesson.

* `gil_turns`: how long a CPU-bound thread keeps the GIL before it must hand
  it over (about one switch interval, `sys.getswitchinterval()`);
* `echo` and `convoy_sweep`: latency and round trips per second of a socket
  echo server thread, alone and next to a CPU-bound thread (the convoy
  effect), for several switch intervals; `plot_convoy` draws the result;
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


def _echo_client(port: int, seconds: float, pause: float, payload: bytes, report) -> None:
    """Send `payload` to the echo server and wait for it back, for `seconds`.

    Runs in a child process, so that the client never competes for the GIL of
    the process under test. Waits `pause` seconds between round trips, as a
    client on a real network would. Sends (round trips, elapsed seconds,
    median round-trip latency in seconds) to `report`.
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
    report.send((len(latencies), now - start, statistics.median(latencies)))
    report.close()


def echo(
    seconds: float = 0.3,
    busy_threads: int = 0,
    interval: float | None = None,
    *,
    pause: float = 0.0,
    payload: bytes = b"ping" * 8,
    start_method: str | None = None,
) -> dict[str, float]:
    """Measure an echo server thread in this process; return its rate and latency.

    A client in a child process sends `payload` over TCP on the loopback
    interface and waits for it to come back, again and again for `seconds`,
    pausing `pause` seconds between round trips. Meanwhile `busy_threads`
    CPU-bound threads run in this process, next to the server thread, with the
    switch interval set to `interval` (default: leave it as it is).

    Returns {"rate": round trips per second, "latency": median seconds from
    send to reply, "round_trips": how many}. Each time the server's recv
    returns, the server thread needs the GIL back; next to a CPU-bound thread
    it may wait a whole switch interval for it. That is the convoy effect.
    """
    import multiprocessing

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

    context = multiprocessing.get_context(start_method)
    receive, report = context.Pipe(duplex=False)
    client = context.Process(
        target=_echo_client, args=(port, seconds, pause, payload, report), daemon=True
    )
    helpers = [
        threading.Thread(target=burn, name=f"busy-{i}", daemon=True) for i in range(busy_threads)
    ]
    helpers.append(threading.Thread(target=serve, name="echo-server", daemon=True))
    with switch_interval(interval):
        try:
            # Start the client first: forking a process that already runs threads is
            # unsafe, and Python 3.12+ warns about it.
            client.start()
            report.close()
            for t in helpers:
                t.start()
            if not receive.poll(seconds + 60):
                raise TimeoutError("the echo client did not report back within a minute")
            count, elapsed, latency = receive.recv()
        finally:
            stop.set()
            client.join(10)
            if client.is_alive():
                client.kill()
                client.join(5)
            with contextlib.suppress(OSError):
                listener.close()
            for t in helpers:
                t.join(10)
            receive.close()
    return {"rate": count / elapsed, "latency": latency, "round_trips": count}


def convoy_sweep(
    intervals: Sequence[float] = (0.005, 0.001, 0.0002, 0.00005),
    seconds: float = 0.3,
    pause: float = 0.001,
) -> dict[str, Any]:
    """Measure the echo alone and next to one CPU-bound thread, at each switch interval.

    Two kinds of client: one that sends back-to-back (round trips per second,
    as in the published figures) and one that pauses `pause` seconds between
    requests (latency of each request).
    """
    out: dict[str, Any] = {"seconds": seconds, "pause": pause, "environment": environment()}
    for kind, gap in (("back_to_back", 0.0), ("paced", pause)):
        out[kind] = {
            "alone": echo(seconds, pause=gap),
            "busy": {iv: echo(seconds, 1, iv, pause=gap) for iv in intervals},
        }
    return out


def _readable(value: float, _pos: Any = None) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def plot_convoy(sweep: dict[str, Any]):
    """Plot echo latency and throughput against the switch interval; return the Figure.

    Left: median latency of paced requests, alone and next to a CPU-bound
    thread, with the switch interval itself drawn for comparison. Right:
    round trips per second of a back-to-back client. Only this run's own
    measurements are drawn: figures nobody can look up are not.
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    fig = new_figure((11, 4.4))
    lat_ax, rate_ax = fig.subplots(1, 2)
    intervals = sorted(sweep["paced"]["busy"])
    xs = [iv * 1000 for iv in intervals]

    paced = sweep["paced"]
    lat_ax.plot(xs, xs, ":", color="0.5", label="one switch interval")
    lat_ax.plot(
        xs,
        [paced["busy"][iv]["latency"] * 1000 for iv in intervals],
        "o-",
        color="tab:red",
        label="next to 1 CPU-bound thread",
    )
    lat_ax.axhline(paced["alone"]["latency"] * 1000, color="tab:blue", ls="--", label="alone")
    lat_ax.set_ylabel("median round-trip latency (ms)")
    lat_ax.set_title(
        f"Latency of a request (client pauses {sweep['pause'] * 1000:g} ms between requests)",
        fontsize=9.5,
    )

    b2b = sweep["back_to_back"]
    rate_ax.plot(
        xs,
        [b2b["busy"][iv]["rate"] for iv in intervals],
        "o-",
        color="tab:red",
        label="next to 1 CPU-bound thread",
    )
    rate_ax.axhline(b2b["alone"]["rate"], color="tab:blue", ls="--", label="alone")
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
    fig.text(
        0.5,
        -0.01,
        f"{environment_caption(sweep['environment'])}; {sweep['seconds']:g} s per point",
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
