"""Text on its way to a terminal or a report: student-controlled text made safe,
the kernels' isolation in one line, and nbgrader's failures in one line."""

from __future__ import annotations

import functools
import re
import sys

_CSI_OSC = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-_])")


def _local_safe_terminal_text(text: str) -> str:
    """Replace escape sequences and C0/C1 control characters with visible escapes."""
    text = _CSI_OSC.sub(lambda m: repr(m.group(0))[1:-1], str(text))
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F):
            out.append(f"\\u{code:04x}")  # bidirectional overrides reorder what follows
        else:
            out.append(ch)
    return "".join(out)


def safe_text(text) -> str:
    """Make student-controlled text safe to print on a terminal."""
    from ..sanitize import safe_terminal_text

    return _local_safe_terminal_text(safe_terminal_text(str(text)))


# --------------------------------------------------------------------------
# The kernels' isolation, as the sandbox reports it


@functools.lru_cache(maxsize=1)
def isolation() -> tuple[str, bool]:
    """Return (one line saying what isolation grading kernels get here, available?)."""
    from ..sandbox import probe

    try:
        status = probe()
    except Exception as exc:  # noqa: BLE001 - a broken probe is reported, not fatal
        return f"unknown (the sandbox probe failed: {type(exc).__name__}: {exc})", False
    from .._native import status as guard_status

    line = f"{status.describe()}; {guard_status()}"
    return " ".join(line.split()), bool(status.ok)


def nbgrader_cause(log_text: str, exc: BaseException | None = None) -> str:
    """The cause of an nbgrader failure, from its log, in one line.

    nbgrader logs the traceback and raises a bare "see the above traceback";
    this returns the exception at the bottom of the last traceback (and where
    in the notebook nbformat found the problem), or the first specific error.
    """
    lines = log_text.splitlines()
    start = max(
        (i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line),
        default=-1,
    )
    if start >= 0:
        for i in range(start + 1, len(lines)):
            line = lines[i]
            if line.startswith("[") and "]" in line[:12]:
                break
            if line and not line[0].isspace():
                name, _, message = line.partition(": ")
                cause = f"{name.rsplit('.', 1)[-1]}: {message}" if message else name
                for later in lines[i + 1 : i + 12]:
                    if later.strip().startswith("On instance"):
                        where = later.strip().removeprefix("On instance").rstrip(":")
                        cause += f" (at {where})" if where else ""
                        break
                return cause[:300]
    generic = ("There was an error processing", "Please see the")
    for line in lines:
        if line.startswith("[ERROR]"):
            text = line.removeprefix("[ERROR]").strip()
            if text and not text.startswith(generic):
                return text[:300]
    if exc is not None:
        return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    return "nbgrader failed without saying why"


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    # No monitor thread: worker processes are forked while the bar is up.
    tqdm.monitor_interval = 0
    return tqdm(
        total=total,
        unit="nb",
        desc="grading",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=not enabled,
    )
