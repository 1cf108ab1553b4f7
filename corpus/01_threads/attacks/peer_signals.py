# @right
# @include _procs.py
# Attack: for 12 s, send SIGINT every 0.5 s to every other grading kernel of
# this run, and SIGKILL them after 4 s.
import signal
import time

_start = time.monotonic()
_hit = set()
while time.monotonic() - _start < 12:
    for _pid in peers():
        try:
            _os.kill(_pid, signal.SIGINT)
            if time.monotonic() - _start > 4:
                _os.kill(_pid, signal.SIGKILL)
            _hit.add(_pid)
        except OSError:
            pass
    time.sleep(0.5)
print("signalled", sorted(_hit))
