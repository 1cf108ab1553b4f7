"""A lesson teaches the technique; it does not hold an exercise's answer.

No lesson notebook (code cells and fenced code in its text) and no `coursekit` module
may contain six lines in a row of the code between an exercise's ``### BEGIN SOLUTION``
and ``### END SOLUTION`` markers. Lines are compared by shape, so that renaming the
local variables does not hide a copy: each name a line binds or reads is replaced by
``N``, while keywords, builtins (``EOFError``) and attribute names (``.load``,
``.send``) stay. Short, common idioms (start every thread, then join every thread)
are shorter than six lines and pass.
"""

from __future__ import annotations

import builtins
import io
import json
import keyword
import re
import tokenize

import pytest
from conftest import ASSIGNMENTS, ROOT

from autograder.course import master_path, nbgrader_meta, read_notebook

RUN = 6
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
FENCED = re.compile(r"```python\n(.*?)```", re.S)


def _shape(line: str) -> str:
    """The line's tokens, with every name but keywords, builtins and attributes as N."""
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type == tokenize.NAME:
                kept = (
                    keyword.iskeyword(tok.string)
                    or hasattr(builtins, tok.string)
                    or (out and out[-1] == ".")
                )
                out.append(tok.string if kept else "N")
            elif tok.type in (tokenize.STRING, tokenize.NUMBER):
                out.append("V")
            elif tok.type == tokenize.OP:
                out.append(tok.string)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return " ".join(line.split())  # a line that does not tokenize alone: its text
    return " ".join(out)


def shapes(source: str) -> list[str]:
    """The shapes of the lines of code that say something (no blanks, comments, lone brackets)."""
    lines = []
    for raw in source.splitlines():
        line = raw.split("#", 1)[0].strip()
        if len(line) <= 2 or line.startswith(('"""', "'''")):
            continue
        lines.append(_shape(line))
    return lines


def shared_run(answer: list[str], text: list[str], run: int = RUN) -> list[str] | None:
    """The first `run` lines of `answer` that also stand in a row in `text`, or None."""
    haystack = "\n" + "\n".join(text) + "\n"
    for i in range(len(answer) - run + 1):
        window = answer[i : i + run]
        if "\n" + "\n".join(window) + "\n" in haystack:
            return window
    return None


def lesson_code() -> dict[str, list[str]]:
    """Every place a student reads code: the lessons' cells and fenced code, and coursekit."""
    places = {}
    for path in sorted(ROOT.glob("notebooks/*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = []
        for cell in cells:
            text = "".join(cell["source"])
            code.extend([text] if cell["cell_type"] == "code" else FENCED.findall(text))
        places[path.relative_to(ROOT).as_posix()] = shapes("\n".join(code))
    for path in sorted(ROOT.glob("coursekit/**/*.py")):
        places[path.relative_to(ROOT).as_posix()] = shapes(path.read_text())
    return places


def answers(assignment: str) -> dict[str, list[str]]:
    """Each exercise's answer code: only what stands between its solution markers."""
    found = {}
    for cell in read_notebook(master_path(assignment)).cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            found[meta["grade_id"]] = shapes("\n".join(SOLUTION.findall(cell.source)))
    return found


def test_the_check_finds_a_renamed_copy():
    """A lesson module that served the coprocess answer with other names (as
    coursekit/mp_countdown.py once did) is found; a shorter shared idiom is not."""
    answer = shapes(
        "while True:\n"
        "    try:\n"
        "        obj = pickle.load(stream)\n"
        "    except EOFError:\n"
        "        break\n"
        "    consumer.send(obj)\n"
        "consumer.close()\n"
    )
    renamed = shapes(
        "def main():\n"
        "    sink = Countdown()\n"
        "    source = sys.stdin.buffer  # bytes\n"
        "    while True:\n"
        "        try:\n"
        "            item = pickle.load(source)\n"
        "        except EOFError:\n"
        "            break\n"
        "        sink.send(item)\n"
        "    sink.close()\n"
    )
    assert shared_run(answer, renamed) is not None
    idiom = shapes("for t in threads:\n    t.start()\nfor t in threads:\n    t.join()\n")
    assert shared_run(idiom + idiom, renamed) is None
    # attribute names count: the same shape on another method is another technique
    other = shapes(
        "while True:\n"
        "    try:\n"
        "        item = json.loads(source.readline())\n"
        "    except EOFError:\n"
        "        break\n"
        "    sink.send(item)\n"
        "sink.close()\n"
    )
    assert shared_run(answer, other) is None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_lesson_holds_an_exercise_answer(assignment):
    """no lesson notebook or coursekit module repeats six lines of an answer"""
    places = lesson_code()
    found = []
    for grade_id, answer in answers(assignment).items():
        for place, text in places.items():
            run = shared_run(answer, text)
            if run is not None:
                found.append(f"{grade_id} in {place}: " + " / ".join(run))
    assert not found, "a lesson holds an exercise's answer:\n" + "\n".join(found)
