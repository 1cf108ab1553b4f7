# @right
# @include _procs.py
# Attack: SIGKILL the grading worker / nbgrader and every grading process above
# this kernel (only those of this test run).
import signal

_hit = []
for _pid in ancestors():
    if of_this_run(_pid):
        try:
            _os.kill(_pid, signal.SIGKILL)
            _hit.append(_pid)
        except OSError:
            pass
print("killed", _hit)
