"""The environment that travels with the numbers: CPUs, Python, GIL, load."""

from __future__ import annotations

import multiprocessing
import os
import platform
import sys
import sysconfig
from typing import Any


def gil_state() -> dict[str, bool]:
    """Report whether this is a free-threaded build and whether the GIL is on now.

    ``sysconfig.get_config_var("Py_GIL_DISABLED")`` is 1 on a free-threaded
    build (3.13t, 3.14t). ``sys._is_gil_enabled()`` (3.13 and newer) says whether
    the GIL is actually on in this process: a free-threaded build turns it back
    on for PYTHON_GIL=1 or an extension module that is not marked as safe.
    Before 3.13 every CPython has the GIL.
    """
    free_threaded_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    gil_enabled = bool(is_enabled()) if is_enabled is not None else True
    return {"free_threaded_build": free_threaded_build, "gil_enabled": gil_enabled}


def in_jupyter() -> bool:
    """Return True inside a Jupyter/IPython kernel, False in a plain Python process.

    The course's own checks execute assignment notebooks without Jupyter, once
    per known-wrong solution; measurement cells use this to skip themselves there.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def environment(start_method: str | None = None) -> dict[str, Any]:
    """Describe the machine and interpreter that a measurement was taken on."""
    gil = gil_state()
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "python_build": sys.version.replace("\n", " "),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": _usable_cpus(),
        "gil_enabled": gil["gil_enabled"],
        "free_threaded_build": gil["free_threaded_build"],
        "switch_interval_s": sys.getswitchinterval(),
        "start_method": start_method or multiprocessing.get_start_method(allow_none=False),
        "load_average": _load_average(),
    }


def environment_caption(env: dict[str, Any]) -> str:
    """Return a one-line summary of an `environment()` record, for figure captions."""
    if env.get("gil_enabled", True):
        gil = "GIL enabled"
    else:
        gil = "GIL disabled"
    if env.get("free_threaded_build"):
        gil += " (free-threaded build)"
    load = env.get("load_average")
    load_text = f", load avg {load[0]:.1f}" if load else ""
    return (
        f"{env.get('implementation', 'Python')} {env.get('python', '?')}, "
        f"{env.get('usable_cpus', env.get('cpu_count', '?'))} CPUs ({env.get('cpu_model', '?')}), "
        f"{gil}, start method {env.get('start_method', '?')}{load_text}"
    )
