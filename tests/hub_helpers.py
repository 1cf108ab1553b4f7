"""Drive the course's JupyterHub (scripts/hub.py) from tests/test_hub.py.

The hub runs real Unix users and real single-user servers; the browser logs in as each
of them through the hub's login page. Every wait has a deadline.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

from browser_helpers import START_TIMEOUT, Notebook

ROOT = Path(__file__).resolve().parent.parent


def load_hub_module():
    """scripts/hub.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("course_hub", ROOT / "scripts" / "hub.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hub_problem(hub) -> str | None:
    """Say why the hub test cannot run here, or return None."""
    why = hub.problem()
    if why:
        return why
    if hub.proxy_command() is None:
        return (
            "configurable-http-proxy is not installed "
            "(npm install -g configurable-http-proxy@5.3.0; .ci/run does it)"
        )
    return None


class HubServer:
    """Where a user's single-user server lives behind the hub: what Notebook needs."""

    def __init__(self, base: str, user: str, home: Path):
        self.base = base
        self.user = user
        self.course = home

    def url(self, path: str = "lab", **query: str) -> str:
        args = "&".join(f"{k}={v}" if v else k for k, v in query.items())
        return f"{self.base}/user/{self.user}/{path}" + (f"?{args}" if args else "")


def log_in(page, base: str, user: str, password: str) -> None:
    """Log in on the hub's page; wait until the user's JupyterLab has loaded."""
    page.goto(f"{base}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{re.escape(user)}/lab"), timeout=START_TIMEOUT * 1000)
    page.locator(".jp-LabShell, #jp-main-dock-panel").first.wait_for(timeout=START_TIMEOUT * 1000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).wait_for(
        timeout=START_TIMEOUT * 1000
    )


def open_assignments(page):
    """Nbgrader > Assignment List: the Assignments tab; return its panel."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
    page.locator(".lm-Menu-item:visible", has_text=re.compile("^Assignment List")).first.click()
    panel = page.locator("#nbgrader-assignment-list")
    panel.wait_for(timeout=60_000)
    return panel


def row_button(panel, listing: str, text: str, timeout: float = 60):
    """The button `text` in the row of 01_threads in one of the tab's lists."""
    button = panel.locator(f"#{listing} .list_item button", has_text=re.compile(f"^{text}$"))
    button.first.wait_for(timeout=timeout * 1000)
    return button.first


def write_cells(nb: Notebook, answers: dict[str, str]) -> None:
    """Type each answer into the cell of that grade id, the way a student pastes it."""
    cells = json.loads((nb.lab.course / "01_threads" / "01_threads.ipynb").read_text())["cells"]
    for index, cell in enumerate(cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            nb.type_into(index, answers[grade_id])


def save_and_wait(page, path: Path, expected: list[str], timeout: float = 60) -> None:
    """Ctrl+S, then wait until the file on disk holds every one of `expected`."""
    page.keyboard.press("ControlOrMeta+s")
    deadline = time.monotonic() + timeout
    while True:
        try:
            text = path.read_text()
            if all(json.dumps(e)[1:-1].split("\\n")[0] in text for e in expected):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} was not saved with the answers in {timeout} s")
        time.sleep(0.5)


def write_probe(home: Path, user: str, paths: dict[str, str]) -> str:
    """A one-cell notebook in the student's home that tries to read each path."""
    import nbformat

    code = (
        "import os\n"
        f"targets = {paths!r}\n"
        "for what, path in targets.items():\n"
        "    try:\n"
        "        if os.path.isdir(path):\n"
        "            os.listdir(path)\n"
        "        else:\n"
        "            open(path, 'rb').read(1)\n"
        "        print(f'PROBE {what}: READABLE')\n"
        "    except (PermissionError, FileNotFoundError) as exc:\n"
        "        print(f'PROBE {what}: {type(exc).__name__}')\n"
        "try:\n"
        "    import autograder\n"
        "    print('PROBE import autograder: READABLE')\n"
        "except ImportError as exc:\n"
        "    print(f'PROBE import autograder: {type(exc).__name__}')\n"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(code))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    target = home / "probe.ipynb"
    nbformat.write(nb, target)
    shutil.chown(target, user, user)
    return target.name


def run_as(user: str, venv_bin: Path, cmd: list[str], cwd: Path, timeout: float = 300) -> str:
    """Run a command as `user` (the instructor's terminal); return its output."""
    env = [f"HOME={Path('/home') / user}", f"PATH={venv_bin}:/usr/bin:/bin", "MPLBACKEND=Agg"]
    proc = subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", *env, *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} as {user} exited {proc.returncode}:\n{out[-3000:]}")
    return out
