"""Set up and run the course on a real JupyterHub on localhost (`make hub`).

Run as root. The set-up is idempotent and removes nothing of the host's:

- Unix users: one instructor and three students (USERS below), homes of mode 0700;
- the hub's own venv in /opt/concurrency-hub/venv, built with Debian's Python so every
  user can run it (the project's .venv lives under /root, which others cannot read),
  with requirements-hub.txt and the pins of constraints.txt;
- `configurable-http-proxy` from npm when it is not on PATH;
- the students' materials, world-readable: lessons and coursekit in
  /opt/concurrency-hub/public (and a copy of the lessons in each student's home);
- nbgrader's exchange (/opt/concurrency-hub/exchange, mode 1777) and course id;
- the instructor's course directory, ~course-instructor/course: source/, release/,
  autograder/, coursekit/, nbgrader_config.py and the gradebook, readable by the
  instructor alone. The hub's venv imports `autograder` from there, so grading kernels
  find it and students' kernels cannot.

Then it starts JupyterHub (LocalProcessSpawner, SharedPasswordAuthenticator) on
http://127.0.0.1:PORT and waits; Ctrl-C or SIGTERM stops the hub, every server it started
and the proxy. `--fresh` empties the exchange, the course's gradebook and submissions and
the students' fetched work first (tests/test_hub.py uses it). `--setup-only` stops after
the set-up.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROOT = Path(os.environ.get("CONCURRENCY_HUB_ROOT", "/opt/concurrency-hub"))
VENV = ROOT / "venv"
PUBLIC = ROOT / "public"
EXCHANGE = ROOT / "exchange"
STATE = ROOT / "state"
SYSTEM_PYTHON = os.environ.get("CONCURRENCY_HUB_PYTHON", "/usr/bin/python3.11")
PROXY_VERSION = "5.3.0"
COURSE_ID = "concurrency"
INSTRUCTOR = "course-instructor"
STUDENTS = ("student-a", "student-b", "student-c")
USERS = (INSTRUCTOR, *STUDENTS)
COURSE = Path("/home") / INSTRUCTOR / "course"
ASSIGNMENTS = ("01_threads",)
DEFAULT_PASSWORD = "concurrency-demo"
# Pins of constraints.txt that Debian's Python 3.11.2 cannot install (they need >=3.11.5);
# pip picks the newest release that fits instead.
UNPINNED = ("soupsieve",)


def say(line: str) -> None:
    print(f"hub: {line}", flush=True)


def problem() -> str | None:
    """Say why the hub cannot be set up here, or return None if it can."""
    if sys.platform != "linux":
        return "the hub needs Linux (real Unix users, LocalProcessSpawner)"
    if os.geteuid() != 0:
        return "the hub's set-up creates Unix users: run it as root"
    for tool in ("useradd", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} (a Python every user can run) is not installed"
    if proxy_command() is None and shutil.which("npm") is None:
        return "configurable-http-proxy is not installed and npm is not there to install it"
    return None


def proxy_command() -> str | None:
    return shutil.which("configurable-http-proxy")


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kwargs)


def as_user(user: str, cmd: list[str], cwd: Path, timeout: float = 600) -> str:
    """Run `cmd` as `user` with the hub venv first on PATH; return its output."""
    home = pwd.getpwnam(user).pw_dir
    env = [
        f"HOME={home}",
        f"USER={user}",
        f"PATH={VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "MPLBACKEND=Agg",
    ]
    proc = subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", *env, *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} as {user} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout + proc.stderr


def ensure_users() -> None:
    for user in USERS:
        try:
            pwd.getpwnam(user)
        except KeyError:
            run(["useradd", "--create-home", "--shell", "/bin/bash", user])
            say(f"created Unix user {user}")
        home = Path(pwd.getpwnam(user).pw_dir)
        home.mkdir(exist_ok=True)
        os.chmod(home, 0o700)


def ensure_venv() -> None:
    """Build the hub's venv, or rebuild it when requirements-hub.txt or the pins change."""
    wanted = hashlib.sha256(
        (REPO / "requirements-hub.txt").read_bytes() + (REPO / "constraints.txt").read_bytes()
    ).hexdigest()
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    say(f"building {VENV} with {SYSTEM_PYTHON} (a minute or two)")
    ROOT.mkdir(parents=True, exist_ok=True)
    os.chmod(ROOT, 0o755)
    if not (VENV / "bin" / "python").exists():
        run([SYSTEM_PYTHON, "-m", "venv", str(VENV)])
    pins = [
        line
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if line.split("==")[0].strip().lower() not in UNPINNED
    ]
    constraints = VENV / "constraints-hub.txt"
    constraints.write_text("\n".join(pins) + "\n")
    run(
        [
            str(VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "-r",
            str(REPO / "requirements-hub.txt"),
            "-c",
            str(constraints),
        ]
    )
    stamp.write_text(wanted)


def ensure_proxy() -> str:
    found = proxy_command()
    if found:
        return found
    say(f"installing configurable-http-proxy@{PROXY_VERSION} with npm")
    run(["npm", "install", "-g", f"configurable-http-proxy@{PROXY_VERSION}"])
    found = proxy_command()
    if not found:
        raise RuntimeError("npm installed configurable-http-proxy but it is not on PATH")
    return found


_SNAPSHOT: Path | None = None


def course_files(worktree: bool = False) -> Path:
    """The course's files to copy: the last commit (`git archive HEAD`), or the work tree.

    Other people may be half-way through a change in the work tree; the hub serves what
    is committed unless --worktree says otherwise (or the repository has no git).
    """
    global _SNAPSHOT
    if worktree or shutil.which("git") is None or not (REPO / ".git").exists():
        return REPO
    if _SNAPSHOT is None:
        snap = STATE / "snapshot"
        if snap.exists():
            shutil.rmtree(snap)
        snap.mkdir(parents=True)
        archive = subprocess.run(
            [
                "git",
                "-C",
                str(REPO),
                "archive",
                "HEAD",
                "source",
                "autograder",
                "coursekit",
                "notebooks",
                "nbgrader_config.py",
            ],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(snap)], input=archive, check=True)
        _SNAPSHOT = snap
    return _SNAPSHOT


def copy_tree(src: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(
        src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    )


def chown_tree(path: Path, user: str) -> None:
    run(["chown", "-R", f"{user}:{user}", str(path)])


def ensure_public(files: Path) -> None:
    """Lessons and coursekit, readable by everyone; nbgrader's and Jupyter's site config."""
    PUBLIC.mkdir(parents=True, exist_ok=True)
    copy_tree(files / "coursekit", PUBLIC / "coursekit")
    copy_tree(files / "notebooks", PUBLIC / "notebooks")
    run(["chmod", "-R", "a+rX,go-w", str(PUBLIC)])
    EXCHANGE.mkdir(parents=True, exist_ok=True)
    os.chmod(EXCHANGE, 0o1777)
    site = Path(
        subprocess.run(
            [
                str(VENV / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The instructor's course first: `autograder` (and coursekit) for grading kernels.
    # A student cannot enter the instructor's home, so Python skips that line for them.
    (site / "concurrency_course.pth").write_text(f"{COURSE}\n{PUBLIC}\n")
    etc = VENV / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(
        "# Every user of the hub: the course id and nbgrader's exchange (scripts/hub.py).\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(EXCHANGE)!r}\n"
    )
    # No news or update pop-ups over a student's notebook.
    overrides = VENV / "share" / "jupyter" / "lab" / "settings"
    overrides.mkdir(parents=True, exist_ok=True)
    (overrides / "overrides.json").write_text(
        json.dumps(
            {
                "@jupyterlab/apputils-extension:notification": {
                    "fetchNews": "false",
                    "checkForUpdates": False,
                }
            }
        )
    )
    run(["chmod", "-R", "a+rX", str(VENV)])


def ensure_students(fresh: bool) -> None:
    for user in STUDENTS:
        home = Path(pwd.getpwnam(user).pw_dir)
        lessons = home / "notebooks"
        if fresh or not lessons.exists():
            copy_tree(PUBLIC / "notebooks", lessons)
        if fresh:
            for name in (*ASSIGNMENTS, "feedback"):
                shutil.rmtree(home / name, ignore_errors=True)
            # The Assignments tab also looks in the course's folder of the fetched copy,
            # and lists the submissions kept in the student's nbgrader cache.
            shutil.rmtree(home / COURSE_ID, ignore_errors=True)
            shutil.rmtree(
                home / ".local" / "share" / "jupyter" / "nbgrader_cache", ignore_errors=True
            )
        chown_tree(home, user)


def ensure_course(fresh: bool, files: Path) -> None:
    """The instructor's course directory: a copy of the course, for the instructor alone."""
    home = Path(pwd.getpwnam(INSTRUCTOR).pw_dir)
    config = home / ".jupyter"
    config.mkdir(exist_ok=True)
    (config / "nbgrader_config.py").write_text(
        "# The instructor's course directory (scripts/hub.py); the formgrader uses it.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(COURSE)!r}\n"
    )
    if fresh and COURSE.exists():
        shutil.rmtree(COURSE)
    if fresh:
        for name in os.listdir(EXCHANGE):
            shutil.rmtree(EXCHANGE / name, ignore_errors=True)
    new = not COURSE.exists()
    COURSE.mkdir(parents=True, exist_ok=True)
    for name in ("source", "autograder", "coursekit"):
        copy_tree(files / name, COURSE / name)
    shutil.copy2(files / "nbgrader_config.py", COURSE / "nbgrader_config.py")
    chown_tree(home, INSTRUCTOR)
    os.chmod(COURSE, 0o700)
    if new:
        say("generating the student copies and the gradebook as the instructor")
        nbgrader = str(VENV / "bin" / "nbgrader")
        for assignment in ASSIGNMENTS:
            as_user(INSTRUCTOR, [nbgrader, "generate_assignment", assignment, "--force"], COURSE)
        for student in STUDENTS:
            as_user(INSTRUCTOR, [nbgrader, "db", "student", "add", student], COURSE)


def setup(fresh: bool = False, worktree: bool = False) -> str:
    """Everything the hub needs; return the proxy's path."""
    ensure_users()
    ensure_venv()
    proxy = ensure_proxy()
    STATE.mkdir(parents=True, exist_ok=True)
    os.chmod(STATE, 0o700)
    files = course_files(worktree)
    ensure_public(files)
    ensure_students(fresh)
    ensure_course(fresh, files)
    if fresh:
        for name in ("jupyterhub.sqlite", "jupyterhub_cookie_secret"):
            (STATE / name).unlink(missing_ok=True)
    return proxy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def user_processes() -> list[tuple[int, str, str]]:
    """(pid, user, command) of every live process that runs as one of the hub's users.

    Zombies (ended, waiting for their parent to collect them) are not counted.
    """
    uids = {pwd.getpwnam(u).pw_uid: u for u in USERS if _exists(u)}
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{entry}").st_uid
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if uid in uids and state not in ("Z", "X"):
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(entry), uids[uid], cmd.strip()))
        except OSError:
            continue
    return found


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


class Hub:
    """A running JupyterHub; stop() ends it, its servers and its proxy."""

    def __init__(self, port: int, password: str, proxy: str, log: Path):
        self.port = port
        self.log = log
        self.settings = {
            "port": port,
            "hub_port": free_port(),
            "proxy_api_port": free_port(),
            "password": password,
            "users": list(USERS),
            "venv": str(VENV),
            "state": str(STATE),
            "proxy": proxy,
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> Hub:
        env = {
            "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "CONCURRENCY_HUB_SETTINGS": json.dumps(self.settings),
        }
        cmd = [str(VENV / "bin" / "jupyterhub"), "-f", str(REPO / "hub" / "jupyterhub_config.py")]
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=STATE,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterHub exited at start-up:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/hub/health", timeout=5):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"JupyterHub did not answer in {timeout} s:\n{self.log_tail()}")
            time.sleep(0.5)

    def stop(self, timeout: float = 60, grace: float = 20) -> list[tuple[int, str, str]]:
        """Stop the hub (it stops its servers and proxy); return the processes left over.

        A kernel ends on its own a few seconds after its server (it polls its parent).
        Whatever still runs as one of the hub's users `grace` seconds after the hub has
        exited is ended, and reported.
        """
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        deadline = time.monotonic() + grace
        left = user_processes()
        while left and time.monotonic() < deadline:
            time.sleep(0.5)
            left = user_processes()
        for pid, _, _ in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("HUB_PORT", 8000)))
    parser.add_argument("--password", default=os.environ.get("HUB_PASSWORD", DEFAULT_PASSWORD))
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start the term over (empties the exchange, gradebook, students' work)",
    )
    parser.add_argument("--setup-only", action="store_true")
    parser.add_argument(
        "--worktree",
        action="store_true",
        help="copy the course from the work tree, not from the last commit",
    )
    args = parser.parse_args(argv)
    why = problem()
    if why:
        print(f"hub: cannot set up the hub: {why}", file=sys.stderr)
        return 2
    proxy = setup(fresh=args.fresh, worktree=args.worktree)
    if args.setup_only:
        say("set up; not started (--setup-only)")
        return 0
    hub = Hub(args.port, args.password, proxy, STATE / "jupyterhub.log")
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stop.append(signum))
    hub.start()
    say(f"JupyterHub on http://127.0.0.1:{args.port}/ (log: {hub.log})")
    say(f"instructor: {INSTRUCTOR}; students: {', '.join(STUDENTS)}; password: {args.password}")
    say("Ctrl-C stops the hub, every server it started, and the proxy")
    while not stop and hub.proc.poll() is None:
        time.sleep(0.5)
    if hub.proc.poll() is not None and not stop:
        print(f"hub: JupyterHub exited on its own:\n{hub.log_tail()}", file=sys.stderr)
    left = hub.stop()
    for pid, user, cmd in left:
        say(f"ended a left-over process of {user}: {pid} {cmd[:100]}")
    say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
