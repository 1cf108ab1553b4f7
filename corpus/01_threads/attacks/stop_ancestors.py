# @right
# @include _procs.py
# Attack: SIGSTOP the grading worker / nbgrader and every grading process above
# this kernel (only those of this test run): the grader freezes.
import signal

_hit = []
for _pid in ancestors():
    if of_this_run(_pid):
        try:
            _os.kill(_pid, signal.SIGSTOP)
            _hit.append(_pid)
        except OSError:
            pass
print("stopped", _hit)
