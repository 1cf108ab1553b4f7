"""Drive JupyterLab in Debian's Chromium through Playwright, for tests/test_browser.py.

Nothing here downloads a browser: Playwright gets `executable_path`, and the browser is
the one apt-get installs (scripts/install_chromium.sh). Every wait has a deadline.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# --no-sandbox: Chromium's sandbox refuses to run as root (CI containers).
# The networking flags stop it from phoning home: on a closed network those
# connections are refused and slow the start-up down.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
]

# Generous: this must pass on a loaded two-core machine.
START_TIMEOUT = 120
KERNEL_TIMEOUT = 90
RUN_TIMEOUT = 240
VALIDATE_TIMEOUT = 240


def chromium_problem() -> str | None:
    """Say why Debian's Chromium can't be used here, or return None if it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (requirements.txt pins it)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium is not installed at {CHROMIUM}: run scripts/install_chromium.sh "
            "(apt-get install chromium), or set CHROMIUM to a Chromium binary"
        )
    try:
        proc = subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{CHROMIUM} does not start: {exc}"
    if proc.returncode != 0 or "Chromium" not in proc.stdout:
        return f"{CHROMIUM} --version failed: {(proc.stdout + proc.stderr).strip()[-200:]}"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server for one course directory, on loopback, behind a random token.

    Its configuration, runtime files, settings and workspaces live in `state`, so a
    user's own Jupyter set-up neither leaks into the test nor gets changed by it.
    """

    def __init__(self, course: Path, state: Path):
        self.course = course
        self.state = state
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.log = state / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None

    def url(self, path: str = "lab", **query: str) -> str:
        """Return the address of `path` on this server, with the token."""
        query = {"token": self.token, **query}
        args = "&".join(f"{k}={v}" if v else k for k, v in query.items())
        return f"http://127.0.0.1:{self.port}/{path}?{args}"

    def api(self, method: str, path: str) -> object:
        """Call the server's REST API and return the decoded JSON (or None)."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method in ("POST", "PUT") else None,
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def start(self) -> JupyterLab:
        settings = self.state / "lab-settings"
        # No "would you like news?" toast over the screenshots, and no update check.
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        env = dict(os.environ)
        bindir = str(Path(sys.executable).parent)
        env.update(
            {
                # Kernels, nbgrader and its `alembic` come from this environment.
                "PATH": bindir + os.pathsep + env.get("PATH", ""),
                "JUPYTER_CONFIG_DIR": str(self.state / "config"),
                "JUPYTER_RUNTIME_DIR": str(self.state / "runtime"),
                "JUPYTERLAB_SETTINGS_DIR": str(settings),
                "JUPYTERLAB_WORKSPACES_DIR": str(self.state / "workspaces"),
                "MPLBACKEND": "Agg",
            }
        )
        env.pop("JUPYTER_TOKEN", None)
        cmd = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.course}",
            "--LabApp.extension_manager=readonly",
        ]
        with open(self.log, "w") as log:
            # The server runs in the course directory: that is where nbgrader's
            # formgrader looks for nbgrader_config.py and the gradebook.
            self.proc = subprocess.Popen(
                cmd, cwd=self.course, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start-up:\n{self.log_tail()}")
            try:
                self.api("GET", "status")
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"JupyterLab did not answer in {START_TIMEOUT} s:\n{self.log_tail()}"
                )
            time.sleep(0.5)

    def shutdown_kernels(self) -> None:
        """Stop every kernel the server runs (closing a tab leaves its kernel running)."""
        for session in self.api("GET", "sessions") or []:
            self.api("DELETE", f"sessions/{session['id']}")
        for kernel in self.api("GET", "kernels") or []:
            self.api("DELETE", f"kernels/{kernel['id']}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.shutdown_kernels()
            self.api("POST", "shutdown")
            self.proc.wait(timeout=30)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"


# JavaScript run in the page. They read what a person sees: prompts, outputs, dialogs.
_KERNEL_READY = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  const name = panel.querySelector('.jp-KernelName');
  const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return !!(name && status && !/No Kernel/.test(name.textContent)
            && status.dataset.status === 'idle');
}"""

_PROMPTS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return {
    idle: status ? status.dataset.status === 'idle' : false,
    prompts: Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell')).map(
      c => c.classList.contains('jp-CodeCell')
        ? c.querySelector('.jp-InputPrompt').textContent.trim() : null),
  };
}"""

_ERROR_OUTPUTS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const out = [];
  panel.querySelectorAll('.jp-Notebook .jp-Cell').forEach((cell, i) => {
    cell.querySelectorAll('.jp-OutputArea-output').forEach(o => {
      if (o.dataset.mimeType === 'application/vnd.jupyter.stderr')
        out.push([i, o.innerText]);
    });
  });
  return out;
}"""

NUMBERED = re.compile(r"^\[\d+\]:?$")


class Notebook:
    """One notebook open in JupyterLab, driven through the page as a person would."""

    def __init__(self, page, lab: JupyterLab, shots: Screenshots):
        self.page = page
        self.lab = lab
        self.shots = shots

    def open(self, path: str) -> Notebook:
        """Open `path` (relative to the course) in a fresh workspace; wait for its kernel."""
        count = len(json.loads((self.lab.course / path).read_text())["cells"])
        self.page.goto(self.lab.url(f"lab/tree/{path}", reset=""))
        # JupyterLab attaches cells to the page a few at a time: wait for all of them.
        self.page.wait_for_function(
            "n => document.querySelectorAll("
            "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell').length === n",
            arg=count,
            timeout=START_TIMEOUT * 1000,
            polling=250,
        )
        self.wait_idle()
        return self

    def wait_idle(self) -> None:
        self.page.wait_for_function(_KERNEL_READY, timeout=KERNEL_TIMEOUT * 1000, polling=250)

    def cell(self, index: int):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(
            index
        )

    def prompts(self) -> dict:
        return self.page.evaluate(_PROMPTS)

    def menu(self, top: str, item: str) -> None:
        """Click a menu bar entry, then one of its items."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
        self.page.locator(".lm-Menu-item:visible", has_text=re.compile(f"^{item}")).first.click()

    def run_all(self) -> list[int]:
        """Run > Run All Cells, wait until the kernel is done; return the cells never run."""
        self.menu("Run", "Run All Cells")
        return self.wait_for_run()

    def wait_for_run(self, cells: list[int] | None = None) -> list[int]:
        """Wait until `cells` (default: every code cell) show a number, or the run stopped.

        A run stops early when a cell raises: the cells queued after it keep an empty
        prompt. So: done when nothing is queued ("[*]") and either every cell has run
        or the kernel has stayed idle for two seconds.
        """
        deadline = time.monotonic() + RUN_TIMEOUT
        quiet_since = None
        while True:
            state = self.prompts()
            chosen = [
                (i, p)
                for i, p in enumerate(state["prompts"])
                if p is not None and (cells is None or i in cells)
            ]
            queued = any(p is not None and "*" in p for p in state["prompts"])
            not_run = [i for i, p in chosen if not NUMBERED.match(p)]
            if not queued and state["idle"]:
                if not not_run:
                    return []
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 2:
                    return not_run
            else:
                quiet_since = None
            if time.monotonic() > deadline:
                raise TimeoutError(f"cells still running after {RUN_TIMEOUT} s: {state}")
            time.sleep(0.25)

    def error_outputs(self) -> list[tuple[int, str]]:
        """Every output shown as an error (tracebacks and anything written to stderr)."""
        return [tuple(x) for x in self.page.evaluate(_ERROR_OUTPUTS)]

    def outputs_text(self, index: int) -> str:
        # JupyterLab renders only the cells near the viewport: bring this one in first.
        cell = self.cell(index)
        cell.scroll_into_view_if_needed()
        area = cell.locator(".jp-OutputArea")
        deadline = time.monotonic() + 10
        text = area.inner_text()
        while not text.strip() and time.monotonic() < deadline:
            time.sleep(0.2)
            cell.scroll_into_view_if_needed()
            text = area.inner_text()
        return text

    def type_into(self, index: int, text: str) -> None:
        """Replace a code cell's text with `text`, the way a paste does, and check it."""
        cell = self.cell(index)
        cell.scroll_into_view_if_needed()
        editor = cell.locator(".cm-content")
        if "jp-MarkdownCell" in (cell.get_attribute("class") or ""):
            # A rendered markdown cell opens its editor on a double click.
            cell.locator(".jp-MarkdownOutput").dblclick()
            editor.wait_for(state="visible", timeout=30_000)
        editor.click()
        self.page.keyboard.press("ControlOrMeta+a")
        # insert_text enters the whole text in one input event, like a paste: CodeMirror
        # then adds no indentation and no closing brackets of its own.
        self.page.keyboard.insert_text(text.rstrip("\n"))
        shown = editor.evaluate(
            "e => Array.from(e.querySelectorAll('.cm-line')).map(l => l.textContent).join('\\n')"
        )
        if shown.rstrip() != text.rstrip():
            raise AssertionError(f"the cell shows different text than was typed:\n{shown}")

    def render_markdown(self, index: int) -> None:
        """Shift+Enter in a markdown cell being edited: it shows as text again."""
        self.page.keyboard.press("Shift+Enter")
        self.cell(index).locator(".jp-MarkdownOutput").wait_for(state="visible", timeout=30_000)

    def run_cell_and_next(self, index: int) -> None:
        """Select cell `index`, then press Shift+Enter twice: it and the one after it run."""
        self.cell(index).locator(".cm-content").click()
        self.page.keyboard.press("Shift+Enter")
        self.page.keyboard.press("Shift+Enter")
        self.wait_for_run([index, index + 1])

    def validate(self) -> tuple[str, str]:
        """Press nbgrader's Validate button; return (outcome class, text) of its dialog."""
        self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").click()
        message = self.page.locator(".jp-Dialog #validation-message")
        message.wait_for(timeout=VALIDATE_TIMEOUT * 1000)
        classes = message.get_attribute("class") or ""
        outcome = next(
            (c.removeprefix("validation-") for c in classes.split() if c.startswith("validation-")),
            "unknown",
        )
        return outcome, message.inner_text()

    def close_dialog(self) -> None:
        self.page.locator(".jp-Dialog .jp-Dialog-button").last.click()
        self.page.locator(".jp-Dialog").wait_for(state="detached", timeout=30_000)


class Screenshots:
    """Numbered screenshots of each step, in one folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        self.count = 0

    def take(self, page, name: str, element=None) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}_{name}.png"
        if element is not None:
            element.scroll_into_view_if_needed()
        page.screenshot(path=str(path))
        return path
