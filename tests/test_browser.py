"""A student and an instructor use the course in a real browser.

JupyterLab runs from this environment on loopback with a token, in a scratch copy of the
course, so typing answers never touches tracked files. Debian's Chromium (apt-get; no
browser is downloaded) is driven through Playwright. Screenshots of every step go to
build/screenshots/. Without Chromium every test here is skipped, with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from browser_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JupyterLab,
    Notebook,
    Screenshots,
    chromium_problem,
)
from conftest import ROOT

ASSIGNMENT = "01_threads"
LESSON = f"notebooks/{ASSIGNMENT}.ipynb"
SHOTS = ROOT / "build" / "screenshots"

# Right in every respect but one: the calls run one after another, so ten calls
# that each sleep 0.2 s take 2 s, and the visible test "the calls should overlap" fails.
WRONG_RUN_IN_THREADS = textwrap.dedent(
    '''\
    def run_in_threads(func, arg_tuples):
        """Call func(*args) for each tuple; return results in input order."""
        return [func(*args) for args in arg_tuples]
    '''
)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course directory: config, masters, lessons, release, and a gradebook."""
    from nbgrader.api import Gradebook

    root = tmp_path_factory.mktemp("browser-course")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    names = sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for folder in ("source", "release", "notebooks"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    # A private exchange folder, so the formgrader can offer release and collect.
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(f"\nc.Exchange.root = {str(root / 'exchange')!r}\n")
    (root / "exchange").mkdir()
    # What `nbgrader generate_assignment` records for each assignment (release/ is
    # committed and tests/test_release.py proves it current).
    with pytest.MonkeyPatch.context() as mp:
        # Creating a gradebook runs `alembic` from PATH: use this environment's.
        mp.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            for name in names:
                gb.update_or_create_assignment(name)
    return root, names


@pytest.fixture(scope="module")
def shots(request):
    folder = Screenshots(SHOTS)
    say(request.config, f"\nbrowser test: screenshots of each step go to {SHOTS}/")
    return folder


def say(config, line: str) -> None:
    """Write a line to the terminal, past pytest's output capture."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)


@pytest.fixture(scope="module")
def chromium(request):
    problem = chromium_problem()
    if problem:
        # Shown even without -rs: a skipped browser test must not go unnoticed.
        say(request.config, f"\nbrowser test SKIPPED: {problem}")
        pytest.skip(f"browser test skipped: {problem}")
    return CHROMIUM


@pytest.fixture(scope="module")
def lab(chromium, course, tmp_path_factory):
    server = JupyterLab(course[0], tmp_path_factory.mktemp("jupyter-state")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(chromium, lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, lab, shots, request):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    tab = context.new_page()
    failed = request.session.testsfailed
    yield tab
    if request.session.testsfailed > failed:
        shots.take(tab, f"FAILED_{request.node.name}")
    context.close()
    lab.shutdown_kernels()


def answer_cells(notebook_path) -> list[tuple[int, str, str]]:
    """(index, grade_id, cell type) of each answer cell, code or written.

    The visible tests of a code answer are in the cell right after it.
    """
    cells = json.loads(notebook_path.read_text())["cells"]
    found = []
    for i, cell in enumerate(cells):
        meta = cell["metadata"].get("nbgrader", {})
        if not meta.get("solution"):
            continue
        if cell["cell_type"] == "code" and not meta.get("grade"):
            tests = cells[i + 1]["metadata"].get("nbgrader", {})
            assert tests.get("grade") and not tests.get("solution"), (
                f"{meta['grade_id']}: the cell after an answer should hold its tests"
            )
        found.append((i, meta["grade_id"], cell["cell_type"]))
    return found


def fresh_release(course_root):
    """Put a fresh copy of the released assignment where a student finds it.

    This is the scratch course, so typing answers here changes no tracked file.
    """
    dest = course_root / "release" / ASSIGNMENT
    shutil.rmtree(dest)
    shutil.copytree(ROOT / "release" / ASSIGNMENT, dest)
    return dest / f"{ASSIGNMENT}.ipynb"


def solve(nb: Notebook, path, answers: dict[str, str]) -> dict[str, int]:
    """Type each answer into its cell and run it with its visible tests.

    Return {grade_id: index} of the code answers.
    """
    cells = answer_cells(path)
    assert cells, f"{path.name} has no answer cells"
    # First run what comes before the first answer: the setup cell with the imports.
    nb.cell(cells[0][0]).locator(".cm-content").click()
    nb.menu("Run", "Run All Above Selected Cell")
    assert not nb.wait_for_run(list(range(cells[0][0]))), "the setup cells did not run"
    code = {}
    for index, grade_id, kind in cells:
        nb.type_into(index, answers[grade_id])
        if kind == "code":
            nb.run_cell_and_next(index)
            code[grade_id] = index
        else:
            nb.render_markdown(index)
    return code


def test_lesson_runs_without_errors(page, lab, course, shots):
    if not (course[0] / LESSON).exists():
        pytest.skip(f"{LESSON} is not written yet")
    nb = Notebook(page, lab, shots).open(LESSON)
    shots.take(page, "lesson_opened")
    count = len(json.loads((course[0] / LESSON).read_text())["cells"])
    assert len(nb.prompts()["prompts"]) == count, "JupyterLab shows a different number of cells"

    not_run = nb.run_all()
    shots.take(page, "lesson_ran")
    errors = nb.error_outputs()
    assert not errors, "error output in the lesson:\n" + "\n".join(
        f"cell {i}: {text[-600:]}" for i, text in errors
    )
    assert not not_run, f"Run All stopped before cells {not_run}"


def test_right_answers_pass_validate(page, lab, course, shots):
    from autograder.course import solution_answers

    root = course[0]
    path = fresh_release(root)
    nb = Notebook(page, lab, shots).open(path.relative_to(root).as_posix())
    shots.take(page, "exercise_opened")

    cells = solve(nb, path, solution_answers(ASSIGNMENT))
    for grade_id, index in cells.items():
        assert nb.outputs_text(index + 1).strip() == "", (
            f"the visible tests of {grade_id} printed something for the right answer:\n"
            + nb.outputs_text(index + 1)
        )
    assert not nb.error_outputs(), nb.error_outputs()
    shots.take(page, "exercise_solved", nb.cell(next(iter(cells.values()))))

    outcome, text = nb.validate()
    shots.take(page, "validate_success")
    assert outcome == "success", f"Validate did not report success:\n{text}"
    assert "Success! Your notebook passes all the tests." in text
    nb.close_dialog()


def test_wrong_answer_fails_validate(page, lab, course, shots):
    from autograder.course import solution_answers

    root = course[0]
    path = fresh_release(root)
    nb = Notebook(page, lab, shots).open(path.relative_to(root).as_posix())
    answers = solution_answers(ASSIGNMENT)
    answers["run_in_threads"] = WRONG_RUN_IN_THREADS

    cells = solve(nb, path, answers)
    tests = cells["run_in_threads"] + 1
    shown = nb.outputs_text(tests)
    assert "AssertionError: the calls should overlap" in shown, shown
    shots.take(page, "visible_test_fails", nb.cell(tests))

    outcome, text = nb.validate()
    shots.take(page, "validate_failure")
    assert outcome == "failed", f"Validate did not report the failure:\n{text}"
    assert "the calls should overlap" in text
    nb.close_dialog()


def test_formgrader_lists_the_assignments(page, lab, course, shots):
    names = course[1]
    page.goto(lab.url("lab", reset=""))
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=120_000)
    Notebook(page, lab, shots).menu("Nbgrader", "Formgrader")
    frame = page.frame_locator("iframe[src$='/formgrader']")
    rows = frame.locator("#main-table td.name")
    rows.first.wait_for(timeout=120_000)
    frame.locator("#main-table td.name", has_text=names[-1]).wait_for(timeout=60_000)
    shots.take(page, "formgrader", rows.last)
    assert sorted(rows.all_inner_texts()) == names
