# Attack: a process that keeps moving: every 0.3 s it forks, the parent exits
# and the child starts a new session, for 10 minutes. Its command line carries
# the marker; its environment is empty.
import subprocess
import sys
import time

_CHAIN = r"""
import os, sys, time
deadline = float(sys.argv[2])
while time.time() < deadline:
    time.sleep(0.3)
    if os.fork():
        os._exit(0)
    os.setsid()
"""
try:
    subprocess.Popen(
        [sys.executable, "-c", _CHAIN, "@@MARKER@@-chain", str(time.time() + 600)],
        env={},
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )
    print("chain started")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
