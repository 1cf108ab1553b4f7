# @right
# Attack: daemons that leave the kernel's session and drop its environment
# (so no token finds them): a double fork with setsid() and execve() with an
# empty environment, and setsid(1). Their command lines carry the marker.
import os
import subprocess
import sys

_SLEEP = "import time; time.sleep(900)"
try:
    _pid = os.fork()
    if _pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execve(sys.executable, [sys.executable, "-c", _SLEEP, "@@MARKER@@-setsid"], {})
        finally:
            os._exit(0)
    os.waitpid(_pid, 0)
    subprocess.Popen(
        ["setsid", "-f", sys.executable, "-c", _SLEEP, "@@MARKER@@-setsid-util"],
        env={},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )
    print("daemons started")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
