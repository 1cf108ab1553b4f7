"""A whole term of 01_threads on a real JupyterHub, in Debian's Chromium (issue 16).

scripts/hub.py sets the hub up (real Unix users, nbgrader's exchange, the instructor's
private course directory) and starts it on loopback. Then, with a screenshot of each
step in build/screenshots/hub/:

1. the instructor releases 01_threads from the formgrader, into nbgrader's exchange;
2. student A logs in, fetches it in the Assignments tab, types a correct answer,
   presses Validate, and submits; from A's own kernel, the course's masters, hidden
   suites, gradebook, the exchange's inbox and B's home cannot be read, and
   `autograder` cannot be imported;
3. student B submits a wrong answer; student C submits nothing;
4. the instructor collects, and grades with the course's parallel grader in the sandbox;
5. the instructor generates and releases feedback;
6. A and B fetch their feedback in the Assignments tab and see the hidden tests' report,
   not the suite's source;
7. the export shows A with every automatically graded point, B fewer, C zero.

Finally the hub is stopped and nothing of its users may still run.

The instructor releases with the formgrader's button; collecting, grading, feedback and
export run on the command line as the instructor's Unix user (what an instructor types in
a terminal of their server), because the course's parallel grader has no formgrader
button; the formgrader's gradebook page is shown after grading. The test is skipped with the reason when the hub cannot be set
up here (not root, no configurable-http-proxy, no Chromium, the hub's venv cannot be
built); AUTOGRADER_HUB_TEST=0 switches it off. Run as root it creates the hub's Unix users
(scripts/hub.py; they stay) and /opt/concurrency-hub.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import subprocess
import time
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, Notebook, Screenshots, chromium_problem
from hub_helpers import (
    HubServer,
    hub_problem,
    load_hub_module,
    log_in,
    open_assignments,
    row_button,
    run_as,
    save_and_wait,
    write_cells,
    write_probe,
)

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "screenshots" / "hub"
ALTERNATIVES = ROOT / "autograder" / "alternatives" / "01_threads"
MUTANTS = ROOT / "autograder" / "mutants" / "01_threads"

RIGHT = {
    "run_in_threads": "run_in_threads__thread_pool.py",
    "heartbeat": "heartbeat__condition.py",
    "run_with_deadline": "run_with_deadline__executor.py",
    "per_thread": "per_thread__dict_of_threads.py",
}
# B: one exercise wrong in a way only the hidden tests see (SystemExit in a call is lost),
# the others right.
WRONG = {**RIGHT, "run_in_threads": "run_in_threads__catches_only_exception.py"}

# The written answer (graded by hand; the export counts it as 0 until then).
WHY_DAEMON = "A daemon thread does not keep the interpreter alive at exit."

pytestmark = pytest.mark.skipif(
    os.environ.get("AUTOGRADER_HUB_TEST") == "0",
    reason="AUTOGRADER_HUB_TEST=0: the hub test is switched off",
)


def answers(files: dict[str, str], folder: dict[str, Path]) -> dict[str, str]:
    return {gid: (folder[gid] / name).read_text() for gid, name in files.items()}


def auto_points() -> float:
    nb = json.loads((ROOT / "source" / "01_threads" / "01_threads.ipynb").read_text())
    total = 0.0
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and cell["cell_type"] == "code":
            total += float(meta.get("points", 0))
    return total


@pytest.fixture(scope="module")
def hub():
    module = load_hub_module()
    problem = chromium_problem() or hub_problem(module)
    if problem:
        pytest.skip(f"hub test skipped: {problem}")
    try:
        module.ensure_venv()
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"hub test skipped: the hub's venv could not be built ({exc})")
    proxy = module.setup(fresh=True)
    password = secrets.token_hex(12)
    server = module.Hub(module.free_port(), password, proxy, module.STATE / "jupyterhub-test.log")
    server.start()
    server.module = module
    server.password = password
    server.base = f"http://127.0.0.1:{server.port}"
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(hub):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_a_whole_term_on_the_hub(hub, browser):
    m = hub.module
    shots = Screenshots(SHOTS)
    bin_ = m.VENV / "bin"
    instructor = m.INSTRUCTOR
    a, b, c = m.STUDENTS
    course = m.COURSE
    homes = {u: Path("/home") / u for u in m.USERS}
    started = time.monotonic()
    pages = {}

    def page_of(user):
        if user not in pages:
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            pages[user] = context.new_page()
            log_in(pages[user], hub.base, user, hub.password)
        return pages[user]

    try:
        # 1. The instructor releases 01_threads from the formgrader.
        teacher = page_of(instructor)
        teacher.goto(f"{hub.base}/user/{instructor}/formgrader")
        release = teacher.locator(".release a .glyphicon-cloud-upload").first
        release.wait_for(timeout=60_000)
        shots.take(teacher, "instructor_formgrader")
        release.click()
        done = teacher.locator("#success-modal")
        done.wait_for(timeout=120_000)
        shots.take(teacher, "instructor_released_01_threads")
        assert "Successfully released" in done.inner_text(), done.inner_text()
        outbound = m.EXCHANGE / m.COURSE_ID / "outbound" / "01_threads" / "01_threads.ipynb"
        assert outbound.is_file(), f"the formgrader did not release into {outbound}"

        # 2. Student A fetches, answers, validates, submits.
        for student, files, validate in ((a, RIGHT, True), (b, WRONG, False)):
            page = page_of(student)
            shots.take(page, f"{student}_logged_in")
            panel = open_assignments(page)
            row_button(panel, "released_assignments_list", "Fetch").click()
            row_button(panel, "fetched_assignments_list", "Submit")
            shots.take(page, f"{student}_fetched")
            server = HubServer(hub.base, student, homes[student])
            nb = Notebook(page, server, shots).open("01_threads/01_threads.ipynb")
            text = answers(
                files,
                {gid: (ALTERNATIVES if files[gid] == RIGHT[gid] else MUTANTS) for gid in files},
            )
            text["why_daemon"] = WHY_DAEMON
            write_cells(nb, text)
            save_and_wait(
                page, homes[student] / "01_threads" / "01_threads.ipynb", list(text.values())
            )
            shots.take(page, f"{student}_answered")
            if validate:
                outcome, message = nb.validate()
                shots.take(page, f"{student}_validated")
                assert outcome == "success", f"Validate did not pass A's correct answer:\n{message}"
                nb.close_dialog()
                # From A's own kernel: none of the instructor's files, nor B's, can be read.
                probe = write_probe(
                    homes[student],
                    student,
                    {
                        "source": str(course / "source" / "01_threads" / "01_threads.ipynb"),
                        "suites": str(course / "autograder" / "suites" / "test_01_threads.py"),
                        "gradebook": str(course / "gradebook.db"),
                        "inbound": str(m.EXCHANGE / m.COURSE_ID / "inbound"),
                        "other student": str(homes[b] / "01_threads" / "01_threads.ipynb"),
                    },
                )
                pn = Notebook(page, server, shots).open(probe)
                assert pn.run_all() == []
                report = pn.outputs_text(0)
                shots.take(page, f"{student}_cannot_read_the_course")
                lines = re.findall(r"PROBE (.+?): (\w+)", report)
                assert len(lines) == 6, report
                for what, result in lines:
                    assert result in (
                        "PermissionError",
                        "FileNotFoundError",
                        "ModuleNotFoundError",
                    ), f"{student} could read {what}:\n{report}"
            panel = open_assignments(page)
            row_button(panel, "fetched_assignments_list", "Submit").click()
            panel.locator("#submitted_assignments_list .list_item").first.wait_for(timeout=60_000)
            shots.take(page, f"{student}_submitted")
        # 3. C submits nothing.
        inbound = os.listdir(m.EXCHANGE / m.COURSE_ID / "inbound")
        assert sorted(n.split("+")[0] for n in inbound) == [a, b], inbound

        # 4. Collect, and grade with the course's parallel grader, in the sandbox.
        out = run_as(instructor, bin_, [str(bin_ / "nbgrader"), "collect", "01_threads"], course)
        assert "Collecting submission" in out, out
        out = run_as(
            instructor,
            bin_,
            [str(bin_ / "python"), "-m", "autograder", "autograde", "01_threads", "--jobs", "2"],
            course,
        )
        assert "sandbox: bubblewrap" in out, f"the grader ran without its sandbox:\n{out}"
        teacher.goto(f"{hub.base}/user/{instructor}/formgrader/gradebook/01_threads/01_threads")
        teacher.get_by_text(a).first.wait_for(state="attached", timeout=60_000)
        shots.take(teacher, "instructor_graded")

        # 5. Feedback.
        for step in ("generate_feedback", "release_feedback"):
            run_as(instructor, bin_, [str(bin_ / "nbgrader"), step, "01_threads"], course)

        # 6. A and B fetch their feedback: the hidden tests' report, not the suite.
        suite = (ROOT / "autograder" / "suites" / "test_01_threads.py").read_text()
        for student in (a, b):
            page = page_of(student)
            panel = open_assignments(page)
            row_button(panel, "submitted_assignments_list", "Fetch Feedback").click()
            panel.get_by_text("(view feedback)").first.wait_for(timeout=60_000)
            shots.take(page, f"{student}_feedback_fetched")
            html = sorted((homes[student] / "01_threads" / "feedback").glob("*/01_threads.html"))
            assert html, f"no feedback in {student}'s home"
            rel = html[-1].relative_to(homes[student])
            page.goto(f"{hub.base}/user/{student}/files/{rel}")
            body = page.locator("body")
            body.wait_for(timeout=60_000)
            shown = body.inner_text()
            shots.take(page, f"{student}_feedback")
            assert re.search(r"\bPASS\b", shown), shown[:2000]
            for line in suite.splitlines():
                line = line.strip()
                if line.startswith(("def test_", "@pytest.mark")):
                    assert line not in shown, f"{student}'s feedback shows the suite: {line}"
            if student == b:
                assert re.search(r"\bFAIL\b", shown), shown[:2000]
                page.get_by_text(re.compile(r"\bFAIL\b")).first.scroll_into_view_if_needed(
                    timeout=30_000
                )
                shots.take(page, f"{student}_feedback_hidden_test_failed")

        # 7. The export: A every automatic point, B fewer, C zero.
        run_as(instructor, bin_, [str(bin_ / "nbgrader"), "export"], course)
        rows = {
            r["student_id"]: float(r["score"])
            for r in csv.DictReader(io.StringIO((course / "grades.csv").read_text()))
        }
        full = auto_points()
        assert rows[a] == full, rows
        assert 0 < rows[b] < full, rows
        assert rows[c] == 0, rows
    finally:
        for page in pages.values():
            page.context.close()

    # The hub stops cleanly: its servers, their kernels and the proxy end with it.
    left = hub.stop()
    assert left == [], f"processes of the hub's users outlived the hub: {left}"
    proxy = [
        p
        for p in _processes()
        if "configurable-http-proxy" in p and str(hub.settings["proxy_api_port"]) in p
    ]
    assert proxy == [], proxy
    assert time.monotonic() - started < 300


def _processes() -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found.append(
                    Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                )
            except OSError:
                pass
    return found
