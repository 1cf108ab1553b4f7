"""Every grading kernel runs in its own sandbox (autograder/sandbox.py).

Each test starts a real kernel the way nbgrader does (SafeExecute), lets it
try something, and checks the fact from outside: the host's processes, files,
sockets and environment, never the grader's own report.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder import sandbox
from autograder.preprocessors import SafeExecute

ROOT = Path(__file__).resolve().parents[1]
STATUS = sandbox.probe()
needs_namespaces = pytest.mark.skipif(not STATUS.namespaces, reason=STATUS.describe())
needs_cgroup = pytest.mark.skipif(not STATUS.cgroup, reason=STATUS.describe())
pytestmark = needs_namespaces


def run_cells(folder: Path, *sources: str, timeout: int = 30, **traits) -> list[str]:
    """Run `sources` as the cells of a notebook in `folder`; return each cell's text output."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    ep = SafeExecute(timeout=timeout, guard=False, **traits)
    nb, _ = ep.preprocess(nb, {"metadata": {"path": str(folder)}})
    out = []
    for cell in nb.cells:
        text = ""
        for o in cell.outputs:
            if o.output_type == "stream":
                text += o.text
            elif o.output_type == "error":
                text += f"{o.ename}: {o.evalue}\n"
            elif "data" in o:
                text += o.data.get("text/plain", "") + "\n"
        out.append(text)
    return out


def host_processes_with(marker: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if marker.encode() in fh.read():
                    found.append(int(pid))
        except OSError:
            continue
    return found


def test_the_status_line_says_what_the_kernels_get():
    line = STATUS.describe()
    assert line.startswith("sandbox: bubblewrap")
    assert "\n" not in line


def test_the_kernel_sees_only_its_own_processes_and_cannot_signal_the_grader(tmp_path):
    (out,) = run_cells(
        tmp_path,
        f"""
import os
print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))
try:
    os.kill({os.getpid()}, 0)
    print('signal: delivered')
except ProcessLookupError:
    print('signal: no such process')
""",
    )
    pids = json.loads(out.splitlines()[0])
    assert max(pids) < 20, pids  # a fresh PID namespace, not the host's
    assert "signal: no such process" in out


def test_the_kernel_reaches_no_port_on_the_host(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    port = server.getsockname()[1]
    try:
        (out,) = run_cells(
            tmp_path,
            f"""
import socket
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=2)
    print('connected')
except OSError as exc:
    print('refused', type(exc).__name__)
""",
        )
        with pytest.raises(TimeoutError):
            server.accept()  # nobody came
    finally:
        server.close()
    assert "refused" in out


def test_the_kernel_cannot_read_the_course_or_other_folders(tmp_path):
    other = tmp_path / "other-student"
    other.mkdir()
    secret = other / "answer.ipynb"
    secret.write_text("another student's notebook")
    paths = [
        str(ROOT / "source"),
        str(ROOT / "autograder" / "suites" / "test_01_threads.py"),
        str(ROOT / "autograder" / "mutants"),
        str(ROOT / "README.md"),
        str(secret),
        "/etc/shadow",
        "/root/.bash_history",
    ]
    (out,) = run_cells(
        tmp_path / "me",
        f"""
import os
for p in {paths!r}:
    try:
        with open(p) as fh:
            fh.read(1)
        print('OPENED:', p)
    except (IsADirectoryError,):
        print('OPENED:', p, os.listdir(p))
    except OSError as exc:
        print('no', p, type(exc).__name__)
""",
    )
    # The packages' folders exist (they are mount points), empty.
    opened = [line for line in out.splitlines() if line.startswith("OPENED:")]
    assert opened in ([], [f"OPENED: {ROOT / 'autograder' / 'mutants'} []"]), out
    assert "no /etc/shadow FileNotFoundError" in out


def test_no_secret_of_the_graders_environment_reaches_the_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "sandbox-secret-123")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "sandbox-token-456")
    (out,) = run_cells(
        tmp_path,
        """
import os
print(sorted(os.environ))
print(open('/proc/self/environ','rb').read())
print(open('/proc/1/cmdline','rb').read())
""",
    )
    assert "sandbox-secret-123" not in out
    assert "sandbox-token-456" not in out
    assert "PGPASSWORD" not in out


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader can switch the kernel's uid")
def test_the_kernel_runs_unprivileged(tmp_path):
    (out,) = run_cells(
        tmp_path,
        """
import os
status = open('/proc/self/status').read()
print(os.getuid(), os.getgid(), os.getgroups())
print([l for l in status.splitlines() if l.startswith(('CapEff', 'CapPrm', 'CapBnd'))])
""",
    )
    assert out.splitlines()[0] == "65534 65534 []"
    assert out.count("0000000000000000") == 3, out


def test_the_kernel_works_on_a_private_copy_that_never_follows_links(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "data.txt").write_text("mine")
    outside = tmp_path / "outside.txt"
    outside.write_text("sentinel")
    before = hashlib.sha256(outside.read_bytes()).hexdigest()
    (folder / "link.txt").symlink_to(outside)
    os.mkfifo(folder / "pipe")
    (out,) = run_cells(
        folder,
        """
import os
print(sorted(os.listdir('.')))
print(open('data.txt').read())
open('data.txt', 'w').write('changed by the kernel')
os.symlink('/tmp/x', 'new-link')
""",
    )
    assert "['data.txt']" in out  # no link, no FIFO
    assert (folder / "data.txt").read_text() == "mine"
    assert not (folder / "new-link").exists()
    assert hashlib.sha256(outside.read_bytes()).hexdigest() == before


def test_nothing_the_kernel_started_survives_it(tmp_path):
    marker = f"sandbox-marker-{uuid.uuid4().hex}"
    shm_before = set(os.listdir("/dev/shm"))
    run_cells(
        tmp_path,
        f"""
import os, subprocess, sys
# A daemon in a new session, and a chain of fork-and-exit processes.
subprocess.Popen(['setsid', sys.executable, '-c', 'import time; time.sleep(600)', '{marker}'],
                 start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(600)', '{marker}'])
    os._exit(0)
open('/dev/shm/{marker}', 'wb').write(b'x' * 1000)
""",
    )
    time.sleep(0.5)
    assert host_processes_with(marker) == []
    assert set(os.listdir("/dev/shm")) == shm_before


def test_the_tmpfs_folders_are_limited_in_size(tmp_path):
    (out,) = run_cells(
        tmp_path,
        """
import os
try:
    with open('/dev/shm/big', 'wb') as fh:
        for _ in range(2048):
            fh.write(b'x' * (1 << 20))
    print('wrote 2 GiB')
except OSError as exc:
    print('stopped', exc.errno)
""",
        memory_limit="1G",
    )
    assert "stopped" in out


@needs_cgroup
def test_a_memory_hog_is_stopped_by_its_cgroup(tmp_path):
    (out, after) = run_cells(
        tmp_path,
        """
blocks = []
while True:
    blocks.append(bytearray(64 << 20))
""",
        "print('still alive')",
        memory_limit="512M",
        address_space_limit="0",
    )
    assert "still alive" not in after
    assert "memory" in out or "memory" in after


@needs_cgroup
def test_a_thread_bomb_is_stopped_by_its_cgroup(tmp_path):
    (out,) = run_cells(
        tmp_path,
        """
import threading, time
n = 0
try:
    for _ in range(5000):
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        n += 1
except RuntimeError:
    pass
print('threads started:', n)
""",
        task_limit=100,
    )
    started = [int(line.split(":")[1]) for line in out.splitlines() if "threads started" in line]
    assert not started or started[0] < 100, out


def test_share_hands_the_kernel_a_file_only_it_can_read(tmp_path):
    from autograder.kernel import LimitedKernelManager
    from autograder.limits import Limits

    km = LimitedKernelManager(kernel_name="python3")
    km.limits = Limits()
    try:
        path = km.share("note.txt", b"for your eyes only")
        assert os.stat(path).st_mode & 0o077 == 0
        assert Path(path).read_bytes() == b"for your eyes only"
    finally:
        km.release()


def test_the_kernel_cannot_write_to_the_graders_terminal(tmp_path):
    import subprocess
    import sys
    import textwrap

    marker = f"terminal-marker-{uuid.uuid4().hex}"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from pathlib import Path
        from test_sandbox import run_cells
        run_cells(Path({str(tmp_path)!r}), "import os; os.write(1, b'\\\\x1b[2J{marker}'); os.write(2, b'{marker}')")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert marker not in proc.stdout and marker not in proc.stderr
