#!/usr/bin/env python3
"""Print the newest CPython the course can use, from 3.14 down to 3.11.

It looks on PATH (python3.14, python3.13, ...) and then in pyenv
($PYENV_ROOT/versions/3.13.*/bin/python3.13), runs each candidate to be sure it
works and is the version its name says (a pyenv shim may not run), and prints
the first that does. Free-threaded builds (3.13t, 3.14t) are never the default:
ask for them with --free-threaded.

    python3 scripts/pick_python.py                  # newest of 3.14 .. 3.11
    python3 scripts/pick_python.py --ceiling 3.11   # newest not above 3.11
    python3 scripts/pick_python.py --version 3.12   # exactly 3.12, or fail
    python3 scripts/pick_python.py --free-threaded --version 3.14

The path goes to stdout, what was picked and why to stderr. Exit 1 if none fits.
Runs on any Python 3 (the Makefile calls it with the system's python3).
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

NEWEST_FIRST = ["3.14", "3.13", "3.12", "3.11"]

PROBE = (
    "import sys, sysconfig; "
    "print('%d.%d' % sys.version_info[:2], sys.implementation.name, "
    "int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))"
)


def describe(exe: str) -> tuple[str, str, bool] | None:
    """Return (version, implementation, free-threaded) of `exe`, or None if it does not run."""
    try:
        proc = subprocess.run(
            [exe, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = proc.stdout.split()
    if proc.returncode != 0 or len(parts) != 3:
        return None
    return parts[0], parts[1], parts[2] == "1"


def _patch_level(path: str) -> tuple[int, ...]:
    name = os.path.basename(os.path.dirname(os.path.dirname(path)))  # versions/3.13.0/bin/x
    return tuple(int(p) for p in re.findall(r"\d+", name))


def candidates(version: str, free_threaded: bool):
    """Yield executables that may be Python `version`: PATH first, then pyenv, newest patch first."""
    suffix = "t" if free_threaded else ""
    on_path = shutil.which(f"python{version}{suffix}")
    if on_path:
        yield on_path
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    pattern = os.path.join(root, "versions", f"{version}.*", "bin", f"python{version}{suffix}")
    for exe in sorted(glob.glob(pattern), key=_patch_level, reverse=True):
        release = os.path.basename(os.path.dirname(os.path.dirname(exe)))
        if re.fullmatch(r"\d+\.\d+\.\d+" + ("t" if free_threaded else ""), release):
            yield exe


def pick(versions: list[str], free_threaded: bool = False) -> tuple[str, str] | None:
    """Return (executable, version) of the first of `versions` that runs as asked."""
    for version in versions:
        for exe in candidates(version, free_threaded):
            found = describe(exe)
            if (
                found
                and found[0] == version
                and found[1] == "cpython"
                and found[2] == free_threaded
            ):
                return exe, version
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ceiling", help="the newest version allowed, e.g. 3.11")
    parser.add_argument("--version", help="exactly this version")
    parser.add_argument("--free-threaded", action="store_true", help="a 3.13t/3.14t build")
    parser.add_argument("--quiet", action="store_true", help="print nothing to stderr")
    args = parser.parse_args(argv)
    versions = NEWEST_FIRST
    if args.version:
        versions = [args.version]
    elif args.ceiling:
        key = tuple(int(p) for p in args.ceiling.split("."))
        versions = [v for v in NEWEST_FIRST if tuple(int(p) for p in v.split(".")) <= key]
    found = pick(versions, args.free_threaded)
    kind = "free-threaded CPython" if args.free_threaded else "CPython"
    if found is None:
        if not args.quiet:
            print(
                f"pick_python: no {kind} {', '.join(versions)} found on PATH or in pyenv",
                file=sys.stderr,
            )
        return 1
    exe, version = found
    if not args.quiet:
        print(f"pick_python: using {kind} {version}: {exe}", file=sys.stderr)
    print(exe)
    return 0


if __name__ == "__main__":
    sys.exit(main())
