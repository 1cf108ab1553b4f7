"""A hostile submission's outputs reach neither a browser nor a terminal as code.

A scratch course grades one hostile submission of 01_threads with real `nbgrader
autograde` and `nbgrader generate_feedback`, and the HTML is parsed to check what a
browser would get. The same submission is graded once more in a course whose
configuration leaves `SanitizeOutputs` out: there every attack must be found, which
shows that each check below can fail.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from autograder.course import (
    mutants,
    nbgrader,
    new_course,
    read_notebook,
    read_scores,
    replace_answers,
    solution_answers,
)
from autograder.sanitize import (
    SanitizeOutputs,
    clean_html,
    clean_markdown,
    clean_output_text,
    clean_svg,
    safe_terminal_text,
)

pytestmark = pytest.mark.timeout(900)

ASSIGNMENT = "01_threads"
STUDENT = "mallory"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

# Every attack calls home with a marker that contains PWNED. The markers also sit in
# the cell's source, which the page shows as escaped text: the checks look at what a
# browser would run or load (tags, attributes, script bodies, images), not at text.
ATTACKS = f"""\
from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML('<script>fetch("/api/contents?PWNED-script")</script>'))
display(HTML('<img src="x" onerror="fetch(`/api/contents?PWNED-onerror`)">'))
display(HTML('<a href="javascript:fetch(`/api/contents?PWNED-href`)">click</a>'))
display(HTML('<iframe src="/api/contents?PWNED-iframe"></iframe>'))
display(HTML('<p>x<scr<script>ipt>fetch("/PWNED-split")</script></p>'))
display(HTML('<form action="/PWNED-form"><input name="a"></form><meta http-equiv="refresh" '
             'content="0;url=/PWNED-meta"><base href="http://PWNED-base/">'
             '<link rel="stylesheet" href="/PWNED-link.css"><object data="/PWNED-object"></object>'
             '<embed src="/PWNED-embed"><style>body {{ background: url(/PWNED-style) }}</style>'
             '<div style="background-image: url(/PWNED-inline-style)">styled</div>'))
display(Javascript('fetch("/api/contents?PWNED-javascript")'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(`/PWNED-svg-onload`)">'
            '<script>fetch("/PWNED-svg-script")</script><circle r="3"/></svg>'))
display(Markdown('<img src="x" onerror="fetch(`/PWNED-markdown-output`)">'))
display({{"application/vnd.evil+javascript": "fetch('/PWNED-vnd')", "text/plain": "vnd"}}, raw=True)
display(HTML('<table><tr><td><b>harmless-table</b></td></tr></table>'))
display(HTML('<img alt="harmless-image" src="data:image/png;base64,{PNG}">'))
print("harmless-stdout")
print("\\x1b[1A\\x1b[2K\\rmallory   14.0 / 14.0\\x1b]0;PWNED-title\\x07")
print("\\x1b[31mharmless-red\\x1b[0m")
"""
MARKDOWN_ANSWER = """\
A daemon thread does not keep the interpreter alive. <b>harmless-bold</b>

<script>fetch("/api/contents?PWNED-md-script")</script>

<iframe src="/api/contents?PWNED-md-iframe"></iframe>

<div onmouseover="fetch('/PWNED-md-handler')">hover</div> <img src="x" onerror="fetch('/PWNED-md-onerror')">

<a href="javascript:fetch('/PWNED-md-href')">link</a> and [a markdown link](javascript:fetch('/PWNED-md-mdlink'))

| harmless | table |
|---|---|
| md-cell | 1 |
"""
TRACEBACK = "raise ValueError('harmless-traceback')"
PARTIAL = "run_in_threads__first_exception_in_time"  # 4.9 of 6 points


def _hostile_submission():
    release = read_notebook(ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    answers = solution_answers(ASSIGNMENT)
    answers["why_daemon"] = MARKDOWN_ANSWER
    # A known-wrong answer earns partial credit, which nbgrader reads from the test
    # cell's execute_result: a sanitizer that touched it would change the grade.
    partial = {m.name: m for m in mutants(ASSIGNMENT)}[PARTIAL]
    answers[partial.exercise] = partial.source
    nb = replace_answers(release, answers)
    # Cells a student added: after the setup cell, and an error at the very end.
    nb.cells.insert(2, new_code_cell(ATTACKS))
    nb.cells.insert(3, new_markdown_cell('<svg><a href="javascript:x">PWNED-md-svg</a></svg> ok'))
    nb.cells.append(new_code_cell(TRACEBACK))
    return nb


def _grade_course(root: Path, sanitize: bool) -> Path:
    new_course(root, [ASSIGNMENT])
    if not sanitize:
        with (root / "nbgrader_config.py").open("a") as f:
            f.write(
                "\n# the control course: everything but the sanitizer\n"
                "c.Autograde.autograde_preprocessors = [p for p in c.Autograde.autograde_preprocessors"
                " if p.__name__ != 'SanitizeOutputs']\n"
                "c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor]\n"
                "c.HTMLExporter.preprocessors = []\n"
            )
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=root)
    dest = root / "submitted" / STUDENT / ASSIGNMENT
    dest.mkdir(parents=True)
    nbformat.write(_hostile_submission(), dest / f"{ASSIGNMENT}.ipynb")
    nbgrader("autograde", ASSIGNMENT, "--force", cwd=root)
    nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=root)
    return root


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = _grade_course(tmp_path_factory.mktemp("sanitized") / "course", sanitize=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def control(tmp_path_factory):
    root = _grade_course(tmp_path_factory.mktemp("control") / "course", sanitize=False)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _feedback(root: Path) -> str:
    return (root / "feedback" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def _autograded(root: Path):
    return nbformat.read(root / "autograded" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)


# --------------------------------------------------------------------------
# What a browser gets from a page


class _Page(HTMLParser):
    """Tags with their attributes, and the body of every script and style element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.bodies: list[tuple[str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k.lower(): v or "" for k, v in attrs}))
        if tag in {"script", "style"}:
            self._open = tag
            self.bodies.append((tag, ""))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open:
            tag, body = self.bodies[-1]
            self.bodies[-1] = (tag, body + data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _documents(html: str) -> list[_Page]:
    """The page, and every document it embeds as a data: URL (SVG images, isolated HTML)."""
    docs = [_parse(html)]
    for _tag, attrs in list(docs[0].tags):
        for name in ("src", "href", "data"):
            url = attrs.get(name, "")
            m = re.match(r"data:(image/svg\+xml|text/html);base64,(.*)", url, re.S)
            if m:
                docs.append(_parse(base64.b64decode(m.group(2)).decode("utf-8", "replace")))
    return docs


def _hostile(html: str, template: str = "") -> dict[str, list]:
    """Everything in `html` that a browser would run or load for the submission.

    `template` is the same page rendered for an empty notebook: its own handlers
    (the formgrader's buttons) are not the submission's.
    """
    own = {(t, json.dumps(a, sort_keys=True)) for t, a in _parse(template).tags}
    found: dict[str, list] = {
        "script": [],
        "handler": [],
        "javascript_url": [],
        "embedding": [],
        "remote_load": [],
    }
    for doc in _documents(html):
        for tag, body in doc.bodies:
            if "PWNED" in body:
                found["script" if tag == "script" else "remote_load"].append(body.strip())
        for tag, attrs in doc.tags:
            if (tag, json.dumps(attrs, sort_keys=True)) in own:
                continue
            for name, value in attrs.items():
                if re.fullmatch(r"on[a-z]+", name):
                    found["handler"].append((tag, name, value[:60]))
                if re.sub(r"[\x00-\x20]", "", value).lower().startswith("javascript:"):
                    found["javascript_url"].append((tag, name, value[:60]))
                if "PWNED" in value and name in {
                    "src",
                    "href",
                    "action",
                    "data",
                    "content",
                    "style",
                }:
                    found["remote_load"].append((tag, name, value[:60]))
            if tag in {"iframe", "object", "embed", "form", "base", "meta", "svg"} and any(
                "PWNED" in v for v in attrs.values()
            ):
                found["embedding"].append(tag)
        # A script tag that nobody wrote, assembled by a sanitizer that strips in one pass
        found["script"] += [a for t, a in doc.tags if t == "script" and "PWNED" in json.dumps(a)]
    return found


def _page_texts(html: str) -> str:
    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(parser.parts)


# --------------------------------------------------------------------------
# The control: without the sanitizer every attack is there (each check can fail)


def test_without_the_sanitizer_every_attack_reaches_the_page(control):
    found = _hostile(_feedback(control))
    assert any("PWNED-script" in s for s in found["script"]), found
    assert any("PWNED-javascript" in s for s in found["script"]), found
    assert any("PWNED-md-script" in s for s in found["script"]), found
    handlers = json.dumps(found["handler"])
    for marker in ("PWNED-onerror", "PWNED-md-handler", "PWNED-md-onerror", "PWNED-svg-onload"):
        assert marker in handlers, found
    urls = json.dumps(found["javascript_url"])
    for marker in ("PWNED-href", "PWNED-md-href", "PWNED-md-mdlink"):
        assert marker in urls, found
    assert {"iframe", "object", "embed", "form", "base", "meta"} <= set(found["embedding"])
    nb = _autograded(control)
    assert any("\x1b[1A" in o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


# --------------------------------------------------------------------------
# With the sanitizer


def test_feedback_runs_and_loads_nothing_from_the_submission(course):
    found = _hostile(_feedback(course))
    assert found == {k: [] for k in found}, found


def test_the_formgraders_page_of_the_stored_notebook_is_clean(course):
    """The formgrader renders autograded/...ipynb; it is stored clean."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    # The stock exporter, with nothing that cleans at render time.
    exporter = HTMLExporter(
        template_name="formgrade", extra_template_basedirs=[handlers.template_path]
    )
    html, _ = exporter.from_notebook_node(_autograded(course), resources=_formgrade_resources())
    empty, _ = exporter.from_notebook_node(
        nbformat.v4.new_notebook(), resources=_formgrade_resources()
    )
    found = _hostile(html, empty)
    assert found == {k: [] for k in found}, found


def _formgrade_resources():
    return {
        "assignment_id": ASSIGNMENT,
        "notebook_id": ASSIGNMENT,
        "submission_id": "x",
        "index": 0,
        "total": 1,
        "base_url": "/",
        "student": STUDENT,
        "last_name": None,
        "first_name": None,
        "notebook_path": "autograded/x.ipynb",
    }


def test_the_formgrader_cleans_a_notebook_graded_without_the_sanitizer(
    control, course, monkeypatch
):
    """Defence in depth: the course config puts the sanitizer into the formgrader's exporter."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.server_extensions.formgrader import handlers

    monkeypatch.chdir(course)  # the formgrader loads the course's nbgrader_config.py
    app = NbGrader()
    app.load_config_file()
    config = app.config
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    exporter = HTMLExporter(config=config)  # as FormgradeExtension.init_tornado_settings
    path = control / "autograded" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    html, _ = exporter.from_filename(str(path), resources=_formgrade_resources())
    empty, _ = exporter.from_notebook_node(
        nbformat.v4.new_notebook(), resources=_formgrade_resources()
    )
    found = _hostile(html, empty)
    assert found == {k: [] for k in found}, found
    assert "harmless-table" in html


def test_harmless_content_survives(course):
    html = _feedback(course)
    page = _parse(html)
    text = _page_texts(html)
    for marker in ("harmless-table", "harmless-bold", "harmless-stdout", "harmless-red"):
        assert marker in text, marker
    assert "ValueError" in text
    assert "harmless-traceback" in text
    assert ("b", {}) in page.tags or ("strong", {}) in page.tags
    assert any(t == "td" for t, _ in page.tags)
    images = [a for t, a in page.tags if t == "img" and a.get("alt") == "harmless-image"]
    assert images
    assert images[0]["src"].startswith("data:image/png;base64,")
    # The markdown answer's own table is still a table.
    assert "md-cell" in text
    # The removed script outputs say so.
    assert "application/javascript output removed" in text
    # Colours survive as ansi2html spans.
    assert re.search(r'<span class="ansi-red-fg">harmless-red</span>', html)


def test_grades_are_those_of_the_unsanitized_run(course, control):
    scores = read_scores(course, ASSIGNMENT, [STUDENT])[STUDENT]
    # The answer is wrong in one respect only: partial credit, the same in both runs.
    assert 0 < scores["run_in_threads"]["score"] < scores["run_in_threads"]["max_score"]
    assert scores["heartbeat"] == {"score": 6.0, "max_score": 6.0}
    assert scores["why_daemon"]["needs_manual_grade"]
    assert scores == read_scores(control, ASSIGNMENT, [STUDENT])[STUDENT]


def test_test_cells_keep_their_score_output_and_locked_cells_their_checksum(course):
    from nbgrader.api import Gradebook
    from nbgrader.utils import compute_checksum, is_grade, is_locked

    nb = _autograded(course)
    results = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if is_locked(cell) and meta.get("grade_id"):
            assert compute_checksum(cell) == meta["checksum"], meta["grade_id"]
        if cell.cell_type == "code" and is_grade(cell):
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    results[meta["grade_id"]] = out.data["text/plain"]
    graded = read_scores(course, ASSIGNMENT, [STUDENT])[STUDENT]
    assert results["heartbeat_tests"] == "6.0"
    assert float(results["run_in_threads_tests"]) == graded["run_in_threads"]["score"] < 6.0
    # The written answer was cleaned, and still waits for a person (not "No response.").
    answer = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "why_daemon"
    )
    assert "PWNED-md-script" not in answer.source
    assert "harmless-bold" in answer.source
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        comment = gb.find_comment("why_daemon", ASSIGNMENT, ASSIGNMENT, STUDENT)
        assert comment.auto_comment is None
        grade = gb.find_grade("why_daemon", ASSIGNMENT, ASSIGNMENT, STUDENT)
        assert grade.needs_manual_grade and grade.auto_score is None


def test_stored_outputs_carry_no_terminal_control(course):
    nb = _autograded(course)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", ""))
            texts += out.get("traceback", [])
            texts.append(out.get("data", {}).get("text/plain", ""))
    joined = "\n".join(texts)
    # Colour (SGR) sequences are all that is left of escape sequences.
    assert not re.search(r"\x1b(?!\[[0-9;]*m)", joined), repr(joined[:500])
    assert not re.search(r"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]", joined)
    assert "PWNED-title" not in joined
    assert "mallory   14.0 / 14.0" in joined  # the text is kept, its tricks are not


# --------------------------------------------------------------------------
# The functions, one attack at a time


@pytest.mark.parametrize(
    ("dirty", "gone"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<a href="JaVa&#x09;ScRiPt:alert(1)">x</a>', "script:"),
        ('<iframe src="/api/contents"></iframe>', "<iframe"),
        ('<object data="x"></object><embed src="x">', "<object"),
        ('<form action="/x"><input name="a"></form>', "<form"),
        ('<meta http-equiv="refresh" content="0;url=javascript:x">', "<meta"),
        ('<base href="http://evil/">', "<base"),
        ('<link rel="stylesheet" href="http://evil/x.css">', "<link"),
        ("<style>body{background:url(http://evil/)}</style>", "evil"),
        ('<div style="width: expression(alert(1))">x</div>', "expression"),
        ('<div style="background:url(http://evil/)">x</div>', "evil"),
        ('<p style="position:fixed;top:0">x</p>', "position"),
        ('<svg onload="alert(1)"></svg>', "onload"),
        ('<math><mtext><img src="x" onerror="alert(1)"></mtext></math>', "onerror"),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:"),
        ('<img src="http://tracker.example/pixel.png">', "tracker"),
        ('<div class="modal fade in navbar-fixed-top">x</div>', "modal"),
        ('<a id="submission_id">x</a>', "submission_id"),
    ],
)
def test_clean_html_removes(dirty, gone):
    cleaned = clean_html(dirty)
    assert gone.lower() not in cleaned.lower(), cleaned


def test_clean_html_keeps_harmless_markup():
    table = (
        "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td><b>1</b></td></tr></tbody></table>"
    )
    assert clean_html(table) == table
    img = f'<img src="data:image/png;base64,{PNG}" alt="dot">'
    assert clean_html(img) == img
    assert clean_html('<a href="https://docs.python.org/3/">docs</a>') == (
        '<a href="https://docs.python.org/3/">docs</a>'
    )
    assert clean_html('<p style="color: red">x</p>') == '<p style="color:red">x</p>'


def test_clean_svg_keeps_drawing_and_drops_code():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' viewBox="0 0 4 4" onload="alert(1)"><script>alert(2)</script>'
        '<defs><clipPath id="p"><rect width="4" height="4"/></clipPath></defs>'
        '<g clip-path="url(#p)" style="fill: #f00; stroke: url(http://evil/)">'
        '<path id="m" d="M0 0L4 4"/><use xlink:href="#m"/><use href="http://evil/x.svg#a"/></g>'
        '<a xlink:href="javascript:alert(3)"><text>t</text></a>'
        '<foreignObject><div onclick="alert(4)">x</div></foreignObject>'
        '<animate attributeName="href" to="javascript:alert(5)"/></svg>'
    )
    cleaned = clean_svg(svg)
    for gone in ("onload", "script", "evil", "javascript", "foreignObject", "onclick", "animate"):
        assert gone not in cleaned, (gone, cleaned)
    for kept in ('clip-path="url(#p)"', 'd="M0 0L4 4"', 'xlink:href="#m"', "<clipPath"):
        assert kept in cleaned, (kept, cleaned)
    # It is still an SVG document that an XML parser (an <img>) reads.
    import xml.etree.ElementTree as ET

    ET.fromstring(clean_svg(svg.replace("<text>t</text>", "<text>a\xa0b</text>")))


def test_markdown_is_kept_unless_it_carries_dangerous_html():
    harmless = "# Title\n\nSome *markdown*, `a < b`, $x<y$, a [link](https://python.org)\n\n```python\nx = 1\n```"
    assert clean_markdown(harmless) == harmless
    assert clean_markdown("YOUR ANSWER HERE") == "YOUR ANSWER HERE"
    assert clean_markdown("![plot](attachment:p.png)", {"p.png": {"image/png": PNG}}) == (
        "![plot](attachment:p.png)"
    )
    dirty = "ok <b>bold</b>\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n\n    code"
    cleaned = clean_markdown(dirty)
    assert "<b>bold</b>" in cleaned
    assert "script" not in cleaned
    # Cleaning again changes nothing: the clean HTML is read back as it was written.
    assert clean_markdown(cleaned) == cleaned


def test_safe_terminal_text_leaves_nothing_for_a_terminal():
    dirty = (
        "ok\x1b[31mred\x1b[0m\r\x1b[2K\x1b[1Aalice  10/10\nbob\ttab\x07\x9b31m"
        "\x1b]0;title\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \u202eevil\x00\x7fend\x1bP1$r\x1b\\"
        "\x1b(0\x1b7\x1b=\x1b"
    )
    clean = safe_terminal_text(dirty)
    assert clean == "okred alice  10/10 bob tablink evilend"
    assert safe_terminal_text("a\r\nb\rc\nd", newlines=True) == "a\nb\nc\nd"
    assert safe_terminal_text("plain text, ünïcödé ✓") == "plain text, ünïcödé ✓"


def test_clean_output_text_keeps_colours_and_resolves_carriage_returns():
    text = "\x1b[0;31mError\x1b[0m\n10%\r50%\r100%\nrow\x1b[1A\x1b[2K\x07\x1b]0;t\x07"
    assert clean_output_text(text) == "\x1b[0;31mError\x1b[0m\n100%\nrow"


def _nb_with(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    return nb


def test_preprocessor_keeps_grades_and_locked_sources():
    graded = new_code_cell(
        "check()",
        metadata={
            "nbgrader": {
                "grade": True,
                "grade_id": "t",
                "points": 2,
                "locked": True,
                "solution": False,
            }
        },
        outputs=[
            new_output("stream", name="stderr", text="\x1b[31mfail\x1b[0m\n"),
            new_output(
                "execute_result",
                data={"text/plain": "1.5\x1b[0m", "text/html": "<script>x</script>1.5"},
                execution_count=1,
            ),
        ],
    )
    locked_md = new_markdown_cell(
        "<div class='alert alert-info' onclick='x()'>instructor's</div>",
        metadata={
            "nbgrader": {"grade": False, "grade_id": "intro", "locked": True, "solution": False}
        },
    )
    fake_locked = new_markdown_cell(
        "<script>x</script>",
        metadata={"nbgrader": {"locked": True, "grade": False, "solution": False}},
    )
    nb = _nb_with([graded, locked_md, fake_locked])
    before = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb, _ = SanitizeOutputs().preprocess(nb, {})
    out = nb.cells[0].outputs
    assert [o.output_type for o in out] == ["stream", "execute_result"]
    assert out[0].name == "stderr"
    assert out[1].data["text/plain"] == "1.5\x1b[0m"  # nbgrader reads the score from it
    assert "script" not in out[1].data["text/html"]
    assert nb.cells[1].source == before.cells[1].source
    assert nb.cells[0].metadata == before.cells[0].metadata
    assert "script" not in nb.cells[2].source


def test_preprocessor_replaces_scripts_and_widgets_with_a_note():
    cell = new_code_cell(
        "x",
        outputs=[
            new_output(
                "display_data", data={"application/javascript": "alert(1)", "text/plain": "<JS>"}
            ),
            new_output(
                "display_data",
                data={
                    "application/vnd.jupyter.widget-view+json": {"model_id": "m"},
                    "text/plain": "w",
                },
            ),
            new_output("display_data", data={"application/vnd.bokehjs_exec.v0+json": "x"}),
            new_output(
                "execute_result", data={"text/plain": "42", "image/png": PNG}, execution_count=1
            ),
        ],
    )
    nb = _nb_with([cell])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb, _ = SanitizeOutputs().preprocess(nb, {})
    datas = [o.data for o in nb.cells[0].outputs]
    assert datas[0] == {"text/plain": datas[0]["text/plain"]}
    assert "application/javascript output removed" in datas[0]["text/plain"]
    assert "widget-view" in datas[1]["text/plain"] and len(datas[1]) == 1
    assert "bokehjs" in datas[2]["text/plain"]
    assert datas[3] == {"text/plain": "42", "image/png": PNG}
    assert "widgets" not in nb.metadata


def test_preprocessor_is_idempotent(course):
    nb = _autograded(course)
    once = json.dumps(nb, sort_keys=True)
    nb, _ = SanitizeOutputs().preprocess(nb, {})
    assert json.dumps(nb, sort_keys=True) == once
