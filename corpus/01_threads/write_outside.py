"""Tries to write files outside its own folder, then answers correctly."""
import os
from pathlib import Path

import autograder

_targets = {
    "course package": Path(autograder.__file__).parent / "pwned.py",
    "existing module": Path(autograder.__file__).parent / "_harness.py",
    "repository root": Path(autograder.__file__).parents[1] / "autograder-pwned.txt",
    "home": Path(os.path.expanduser("~")) / "autograder-pwned.txt",
    "tmp": Path("/tmp") / "autograder-pwned.txt",
    "course gradebook": Path.cwd().parents[2] / "gradebook.db",
}
for _what, _path in _targets.items():
    try:
        with open(_path, "a"):
            pass
        print(f"{_what}: opened {_path} for writing")
    except OSError as exc:
        print(f"{_what}: {type(exc).__name__}: {exc.strerror}")
# @right
