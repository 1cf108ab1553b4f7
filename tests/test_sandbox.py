"""The sandbox of a grading kernel, checked from outside with real kernels.

Each test starts real kernels through :class:`autograder.kernel.LimitedKernelManager`
(or runs a small notebook through :class:`autograder.preprocessors.SafeExecute`)
and checks facts: what the kernel can see, reach, read and signal, what it runs
as, what survives it. Where the host lacks bubblewrap, namespaces or cgroups,
the tests that need them are skipped and say why.

``AUTOGRADER_TEST_UNSANDBOXED=1`` runs the same tests with ``sandbox=False``
(rlimits, Landlock and the watchdog only): most of them must then fail, which
shows that they test the sandbox and not something else.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from autograder import sandbox
from autograder.kernel import LimitedKernelManager
from autograder.limits import Limits

if not sys.platform.startswith("linux"):
    pytest.skip("the sandbox is Linux-only", allow_module_level=True)

UNSANDBOXED = os.environ.get("AUTOGRADER_TEST_UNSANDBOXED") == "1"
STATUS = sandbox.probe()
needs_namespaces = pytest.mark.skipif(
    not STATUS.namespaces and not UNSANDBOXED, reason=STATUS.describe()
)
needs_cgroup = pytest.mark.skipif(
    not STATUS.cgroup and not UNSANDBOXED,
    reason=STATUS.describe() if STATUS.namespaces else STATUS.describe(),
)
#: In every process a kernel starts here, so that the test can find them in the host's /proc.
MARK = f"sbxmark{uuid.uuid4().hex[:12]}"
#: Planted in the grader's environment before the kernels start.
SECRETS = {
    "PGPASSWORD": f"pg-{MARK}",
    "AUTOGRADER_TEST_DB_URL": f"postgresql://grader:{MARK}@db/course",
    "JUPYTERHUB_API_TOKEN": f"tok-{MARK}",
}
#: What a sandboxed kernel's environment may hold (ipykernel adds a few of its own).
KERNEL_ENV = {
    "PATH", "HOME", "TMPDIR", "IPYTHONDIR", "MPLCONFIGDIR", "LANG", "LC_ALL", "MPLBACKEND",
    "PYTHONDONTWRITEBYTECODE", "MALLOC_ARENA_MAX", "AUTOGRADER_KERNEL_TOKEN", "JPY_PARENT_PID",
    "AUTOGRADER_STRICT", "AUTOGRADER_DEBUG", "PWD",
    # set by ipykernel and matplotlib-inline inside the kernel itself
    "PYDEVD_USE_FRAME_EVAL", "TERM", "CLICOLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PAGER",
    "GIT_PAGER",
}  # fmt: skip


def limits(**kw) -> Limits:
    kw.setdefault("memory", 1 << 30)
    kw.setdefault("cpu_seconds", 120)
    return Limits(sandbox=not UNSANDBOXED, **kw)


# --------------------------------------------------------------------------
# Real kernels, driven from one event loop


@pytest.fixture(scope="module")
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


class Kernel:
    def __init__(self, loop, km: LimitedKernelManager, kc):
        self.loop, self.km, self.kc = loop, km, kc

    @classmethod
    async def start(cls, loop, cwd: Path, lim: Limits) -> Kernel:
        km = LimitedKernelManager(kernel_name="python3")
        km.limits = lim
        await km.start_kernel(cwd=str(cwd))
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=90)
        return cls(loop, km, kc)

    def run(self, code: str, timeout: float = 60) -> str:
        """Run `code`; return its stdout, and its error as ``ERROR name: value``."""
        out: list[str] = []

        def hook(msg):
            content = msg["content"]
            if msg["msg_type"] == "stream":
                out.append(content["text"])
            elif msg["msg_type"] == "error":
                out.append(f"ERROR {content['ename']}: {content['evalue']}\n")

        self.loop.run_until_complete(
            self.kc.execute_interactive(
                textwrap.dedent(code), timeout=timeout, output_hook=hook, store_history=False
            )
        )
        return "".join(out)

    def facts(self, code: str) -> dict:
        """Run `code`, which prints one JSON object as its last line; return it."""
        text = self.run(code)
        assert "ERROR" not in text, text
        return json.loads(text.strip().splitlines()[-1])

    def shutdown(self) -> None:
        self.kc.stop_channels()
        self.loop.run_until_complete(self.km.shutdown_kernel(now=True))


def start(loop, cwd: Path, lim: Limits | None = None) -> Kernel:
    return loop.run_until_complete(Kernel.start(loop, cwd, lim or limits()))


def run_cells(folder: Path, *sources: str, timeout: int = 30, **traits) -> list[str]:
    """Run `sources` as a notebook through SafeExecute in `folder`; return each cell's text."""
    from autograder.preprocessors import SafeExecute

    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    traits.setdefault("sandbox", not UNSANDBOXED)
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


def host_processes_with(needle: str) -> list[str]:
    """Command lines in the host's /proc that contain `needle`."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
            except OSError:
                continue
            if needle.encode() in cmdline:
                found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


@pytest.fixture(scope="module")
def listener():
    """A TCP port of the grader's on 127.0.0.1 that the kernels must not reach."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The notebook folders of two kernels; the first holds things that must not be copied."""
    a = tmp_path_factory.mktemp("student-a")
    (a / "a.ipynb").write_text("{}")
    (a / "data.txt").write_text("original\n")
    (a / "sub").mkdir()
    (a / "sub" / "inner.txt").write_text("inner\n")
    (a / "passwd-link").symlink_to("/etc/passwd")
    (a / "folder-link").symlink_to(ROOT / "autograder")
    os.mkfifo(a / "pipe")
    with open(a / "big.bin", "wb") as fh:
        fh.truncate(2 << 20)
    b = tmp_path_factory.mktemp("student-b")
    (b / "b.ipynb").write_text("{}")
    return a, b


@pytest.fixture(scope="module")
def pair(loop, folders):
    """Two kernels running at once, started with secrets in the grader's environment."""
    saved = {k: os.environ.get(k) for k in SECRETS}
    os.environ.update(SECRETS)
    try:

        async def both():
            return await asyncio.gather(
                Kernel.start(loop, folders[0], limits(file_size=1 << 20)),
                Kernel.start(loop, folders[1], limits()),
            )

        a, b = loop.run_until_complete(both())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    b_secret = b.km.share(f"secret-{MARK}.txt", b"b's secret\n")
    yield a, b, b_secret
    for kernel in (a, b):
        kernel.shutdown()


# --------------------------------------------------------------------------
# The probe


def test_probe_describes_the_sandbox_in_one_line():
    line = STATUS.describe()
    assert line.startswith("sandbox: ") and "\n" not in line
    if STATUS.ok:
        assert "pid, net, mount, ipc" in line and "cgroup" in line
    else:
        assert "OFF" in line or "no cgroup" in line, line
    assert sandbox.probe() is STATUS  # once per process


def test_require_sandbox_refuses_to_start_without_it(loop, tmp_path, monkeypatch):
    missing = sandbox.SandboxStatus(False, why="bwrap not found (apt-get install bubblewrap)")
    monkeypatch.setattr(sandbox, "probe", lambda: missing)
    km = LimitedKernelManager(kernel_name="python3")
    km.limits = Limits(require_sandbox=True)
    with pytest.raises(RuntimeError) as info:
        loop.run_until_complete(km.start_kernel(cwd=str(tmp_path)))
    message = str(info.value)
    assert "\n" not in message and "bwrap not found" in message
    assert not km.has_kernel


# --------------------------------------------------------------------------
# Processes, network, files, environment, privileges


@needs_namespaces
def test_the_kernel_sees_and_signals_only_its_own_processes(pair):
    a, b, _ = pair
    b_pid = b.km.provisioner.process.pid
    facts = a.facts(
        f"""
        import json, os
        pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        tried = {{}}
        for pid in ({os.getpid()}, {b_pid}):
            try:
                os.kill(pid, 0)
                tried[pid] = "signalled"
            except OSError as exc:
                tried[pid] = type(exc).__name__
        print(json.dumps({{"pids": pids, "tried": tried}}))
        """
    )
    assert len(facts["pids"]) <= 4, facts["pids"]
    assert max(facts["pids"]) < 100, facts["pids"]
    assert set(facts["tried"].values()) == {"ProcessLookupError"}, facts["tried"]


@needs_namespaces
def test_the_kernel_reaches_no_port_of_the_grader(pair, listener):
    a, _, _ = pair
    facts = a.facts(
        f"""
        import json, socket
        try:
            socket.create_connection(("127.0.0.1", {listener}), timeout=3).close()
            result = "connected"
        except OSError as exc:
            result = type(exc).__name__
        print(json.dumps({{"connect": result, "interfaces": [n for _, n in socket.if_nameindex()]}}))
        """
    )
    assert facts["connect"] != "connected"
    assert set(facts["interfaces"]) <= {"lo"}, facts["interfaces"]


def _course_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "nbgrader_config.py", ROOT / "gradebook.db"]
    for folder in (
        ROOT / "source",
        ROOT / "autograder" / "suites",
        ROOT / "autograder" / "mutants",
    ):
        files += sorted(
            p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )[:2]
    return [p for p in files if p.is_file()]


@needs_namespaces
def test_the_kernel_reads_nothing_of_the_course_but_its_packages(pair, folders):
    a, _, _ = pair
    # A sibling of the notebook's folder: another student's, say.
    sibling = folders[0].parent / f"other-student-{MARK}.ipynb"
    sibling.write_text("another student's notebook")
    files = [str(p) for p in _course_files()] + [str(sibling), "/etc/shadow"]
    files += [str(p) for p in Path.home().glob(".*") if p.is_file()][:3]
    assert len(files) >= 7 and all(os.access(p, os.R_OK) for p in files)
    facts = a.facts(
        f"""
        import json, os
        read = {{}}
        for path in {files!r}:
            try:
                with open(path, "rb") as fh:
                    fh.read(1)
                read[path] = "read"
            except OSError as exc:
                read[path] = type(exc).__name__
        import autograder, coursekit
        print(json.dumps({{
            "read": read,
            "suites": os.listdir({str(ROOT / "autograder" / "suites")!r}),
            "packages": [autograder.__file__, coursekit.__file__],
        }}))
        """
    )
    assert "read" not in facts["read"].values(), facts["read"]
    assert facts["suites"] == []
    assert facts["packages"][0].startswith(str(ROOT / "autograder"))


@needs_namespaces
def test_the_kernel_reads_nothing_of_another_kernel(pair):
    a, b, b_secret = pair
    targets = [b.km.connection_file, b_secret, os.path.join(b.km.layout.ipc, "k-1")]
    assert all(os.path.exists(p) for p in targets)
    facts = a.facts(
        f"""
        import json, os
        out = {{}}
        for path in {targets!r}:
            try:
                with open(path, "rb") as fh:
                    fh.read(1)
                out[path] = "read"
            except OSError as exc:
                out[path] = type(exc).__name__
        print(json.dumps(out))
        """
    )
    assert set(facts.values()) <= {"FileNotFoundError", "PermissionError"}, facts


@needs_namespaces
def test_the_kernel_gets_none_of_the_graders_environment(pair):
    a, _, _ = pair
    env = a.facts("import json, os; print(json.dumps(dict(os.environ)))")
    raw = a.run(
        """
        for path in ("/proc/self/environ", "/proc/1/environ", "/proc/1/cmdline"):
            try:
                print(path, open(path, "rb").read())
            except OSError as exc:
                print(path, type(exc).__name__)
        """
    )
    assert not set(SECRETS) & set(env)
    assert MARK not in json.dumps(env) and MARK not in raw, raw
    assert set(env) <= KERNEL_ENV, set(env) - KERNEL_ENV


@needs_namespaces
def test_the_kernel_runs_unprivileged_without_capabilities(pair):
    a, _, _ = pair
    facts = a.facts(
        """
        import json, os
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
        print(json.dumps({
            "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
            **{k: status[k].strip() for k in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb",
                                              "NoNewPrivs")},
        }))
        """
    )
    if os.geteuid() == 0:
        assert (facts["uid"], facts["euid"], facts["gid"]) == (65534, 65534, 65534)
        assert facts["groups"] == []
    for cap in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"):
        assert int(facts[cap], 16) == 0, (cap, facts[cap])
    assert facts["NoNewPrivs"] == "1"


@needs_namespaces
def test_the_kernel_cannot_make_a_user_namespace_but_threads_and_processes_work(pair):
    if not STATUS.seccomp and os.geteuid() == 0 and not UNSANDBOXED:
        pytest.skip(f"no seccomp filter for {os.uname().machine}")
    a, _, _ = pair
    facts = a.facts(
        """
        import ctypes, json, subprocess, threading
        libc = ctypes.CDLL(None, use_errno=True)
        unshare = libc.unshare(0x10000000)  # CLONE_NEWUSER
        errno = ctypes.get_errno()
        tool = subprocess.run(["unshare", "-Ur", "true"], capture_output=True).returncode
        box = []
        thread = threading.Thread(target=box.append, args=(1,))
        thread.start()
        thread.join()
        echo = subprocess.run(["echo", "hi"], capture_output=True, text=True).stdout
        print(json.dumps({"unshare": unshare, "errno": errno, "tool": tool, "thread": box,
                          "echo": echo}))
        """
    )
    assert (facts["unshare"], facts["errno"]) == (-1, 1), facts  # EPERM
    assert facts["tool"] != 0
    assert facts["thread"] == [1] and facts["echo"] == "hi\n"


@needs_namespaces
def test_the_kernel_works_on_a_private_copy_of_its_folder(pair, folders):
    a, _, _ = pair
    folder = folders[0]
    skipped = " ".join(a.km.skipped)
    for name in ("passwd-link", "folder-link", "pipe", "big.bin"):
        assert name in skipped, a.km.skipped
    facts = a.facts(
        """
        import json, os
        listing = sorted(os.listdir("."))
        with open("data.txt", "w") as fh:
            fh.write("changed by the kernel")
        open("planted.txt", "w").write("planted")
        os.symlink("/etc/shadow", "a.ipynb.link")
        print(json.dumps({"cwd": os.getcwd(), "listing": listing}))
        """
    )
    assert facts["cwd"] == str(folder)
    assert facts["listing"] == ["a.ipynb", "data.txt", "sub"]
    assert (folder / "data.txt").read_text() == "original\n"
    assert not (folder / "planted.txt").exists()
    assert not (folder / "a.ipynb.link").is_symlink()


@needs_namespaces
def test_dev_shm_and_tmp_are_small_private_and_gone_afterwards(loop, tmp_path):
    def host_view():
        return {
            p.name
            for p in Path("/dev/shm").iterdir()
            if MARK in p.name or p.lstat().st_uid == sandbox.NOBODY
        }

    before = host_view()
    kernel = start(loop, tmp_path, limits(memory=256 << 20))
    try:
        facts = kernel.facts(
            f"""
            import json, os
            for folder in ("/dev/shm", "/tmp"):
                with open(os.path.join(folder, "{MARK}-file"), "wb") as fh:
                    fh.write(b"x" * 4096)
            st = os.statvfs("/dev/shm")
            print(json.dumps({{"shm": st.f_blocks * st.f_frsize, "tmp_files": os.listdir("/tmp")}}))
            """
        )
        assert facts["shm"] <= 256 << 20, facts
        assert not Path(f"/dev/shm/{MARK}-file").exists()
        assert not Path(f"/tmp/{MARK}-file").exists()
    finally:
        kernel.shutdown()
    assert host_view() == before


@needs_namespaces
def test_nothing_the_kernel_started_survives_it(loop, tmp_path):
    kernel = start(loop, tmp_path)
    code = f"""
        import os, sys, time
        sleeper = [sys.executable, "-c", "import time; time.sleep(300)"]
        # A daemon: double fork, a new session, and an environment without the token.
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execve(sys.executable, sleeper + ["{MARK}-daemon"], {{}})
            os._exit(0)
        # A fork-and-exit chain: every generation forks and exits at once.
        if os.fork() == 0:
            for _ in range(6):
                if os.fork():
                    os._exit(0)
            os.execve(sys.executable, sleeper + ["{MARK}-chain"], {{}})
        time.sleep(1)
        print("started")
    """
    try:
        assert "started" in kernel.run(code)
        deadline = time.monotonic() + 10
        while len(host_processes_with(MARK)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(host_processes_with(MARK)) == 2, host_processes_with(MARK)
        if kernel.km.cgroup is not None:
            assert len(kernel.km.cgroup.pids()) >= 5
    finally:
        group = kernel.km.cgroup
        kernel.shutdown()
    deadline = time.monotonic() + 5
    while host_processes_with(MARK) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert host_processes_with(MARK) == []
    if group is not None:
        assert not any(os.path.exists(p) for p in group.paths.values())


@needs_cgroup
def test_the_cgroup_holds_the_kernel_and_stops_a_memory_hog_in_tmpfs(loop, tmp_path):
    """Files in /dev/shm and /tmp are memory: the cgroup counts them and stops the kernel."""
    kernel = start(loop, tmp_path, limits(memory=256 << 20))
    km = kernel.km
    try:
        group = km.cgroup
        assert group is not None
        kernel_pids = [
            int(line.split()[0])
            for line in subprocess.run(
                ["pgrep", "-f", km.connection_file], capture_output=True, text=True
            ).stdout.splitlines()
        ]
        assert kernel_pids and set(kernel_pids) <= set(group.pids())
        cgroups = Path(f"/proc/{max(kernel_pids)}/cgroup").read_text()
        assert group.name in cgroups
        # 8 MiB at a time, alternately in /dev/shm and /tmp: 640 MiB if nothing stops it.
        kernel.kc.execute(
            textwrap.dedent(
                f"""
                chunk = b"x" * (8 << 20)
                for i in range(40):
                    for folder in ("/dev/shm", "/tmp"):
                        with open(f"{{folder}}/{MARK}-{{i}}", "wb") as fh:
                            fh.write(chunk)
                print("survived")
                import glob, os
                for path in glob.glob("/dev/shm/{MARK}-*") + glob.glob("/tmp/{MARK}-*"):
                    os.unlink(path)
                """
            )
        )
        deadline = time.monotonic() + 60
        alive = True
        while alive and time.monotonic() < deadline:
            alive = loop.run_until_complete(km.is_alive())
            time.sleep(0.1)
        assert not alive, "the kernel filled 640 MiB of tmpfs under a 256 MiB limit"
        assert group.oom_kills() >= 1
        assert "memory" in km.death_reason()
        peak = group.memory_peak()
        assert peak is not None and peak <= 256 << 20
    finally:
        kernel.shutdown()


# --------------------------------------------------------------------------
# The drop box


def _read_share(kernel: Kernel, path: str) -> dict:
    return kernel.facts(
        f"""
        import json, os
        st = os.stat({path!r})
        data = open({path!r}, "rb").read().decode()
        os.unlink({path!r})
        print(json.dumps({{"uid": st.st_uid, "mode": oct(st.st_mode & 0o777), "data": data,
                           "gone": not os.path.exists({path!r})}}))
        """
    )


@needs_namespaces
def test_share_hands_the_kernel_a_private_file(pair):
    a, _, _ = pair
    path = a.km.share("bundle.json", b'{"key": "k"}')
    facts = _read_share(a, path)
    assert facts == {"uid": a.km.kernel_uid, "mode": "0o600", "data": '{"key": "k"}', "gone": True}
    if os.geteuid() == 0 and not UNSANDBOXED:
        assert facts["uid"] == sandbox.NOBODY
    assert not os.path.exists(path)


def test_share_works_without_the_sandbox(loop, tmp_path):
    kernel = start(loop, tmp_path, Limits(sandbox=False, memory=1 << 30))
    try:
        assert not kernel.km.sandboxed
        path = kernel.km.share("bundle.json", b"plain")
        facts = _read_share(kernel, path)
        assert facts["data"] == "plain" and facts["mode"] == "0o600" and facts["gone"]
    finally:
        kernel.shutdown()


# --------------------------------------------------------------------------
# Interrupts and the end, through SafeExecute as nbgrader runs it


@needs_namespaces
def test_cell_timeouts_interrupt_the_sandboxed_kernel_and_grading_goes_on(tmp_path):
    from autograder.preprocessors import SafeExecute

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(source)
        for source in (
            "import os; print(os.getuid())",
            "while True: pass",
            "import time; time.sleep(1000)",
            "print('still here')",
        )
    ]
    ep = SafeExecute(timeout=2, guard=False, interrupt_grace=5, sandbox=not UNSANDBOXED)
    started = time.monotonic()
    out, _ = ep.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    took = time.monotonic() - started
    names = [[o.get("ename") or o.get("name") for o in cell.outputs] for cell in out.cells]
    assert names[1][0] == "KeyboardInterrupt", out.cells[1].outputs
    assert names[2][0] == "KeyboardInterrupt", out.cells[2].outputs
    assert out.cells[3].outputs[0]["text"] == "still here\n"
    assert took < 30
    if os.geteuid() == 0:
        assert out.cells[0].outputs[0]["text"] == "65534\n"
    assert ep._km_used.sandboxed
    assert ep._km_used.private_dir is None  # released


@needs_cgroup
def test_a_thread_bomb_stops_at_the_cgroups_task_limit(tmp_path):
    (out,) = run_cells(
        tmp_path,
        """
import threading, time
n = 0
try:
    for _ in range(3000):
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        n += 1
except RuntimeError:
    pass
print('threads started:', n)
""",
        task_limit=60,
    )
    # Either the cgroup refused the threads past its pids.max (the watchdog's
    # limit plus a margin), or the watchdog stopped the kernel first.
    started = [int(line.split(":")[1]) for line in out.splitlines() if "threads started" in line]
    assert started[0] < 100 if started else "threads and processes" in out, out


def test_the_kernel_cannot_write_to_the_graders_terminal(tmp_path):
    marker = f"terminal-{MARK}"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from pathlib import Path
        from test_sandbox import run_cells
        run_cells(Path({str(tmp_path)!r}),
                  "import os; os.write(1, b'\\\\x1b[2J{marker}'); os.write(2, b'{marker}')")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert marker not in proc.stdout and marker not in proc.stderr
