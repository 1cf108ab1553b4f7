"""Contracts and the hidden tests that check them.

Each exercise in a master notebook states its contract as a bulleted list
under a ``**Contract**`` heading, in the markdown before the answer cell. Each
sentence of that list is a promise the hidden suite must check: a hidden test
names the sentence it checks with ``@pytest.mark.contract("...")``, giving a
fragment of the sentence that is unique within the exercise's contract. The suites
write it as ``@BUFFER("...")``, where ``BUFFER = Exercise("bounded_buffer")``
(:class:`autograder.testing.Exercise`), which applies the same marks.

``tests/test_contracts.py`` uses these functions to prove that every sentence
has at least one test and that every mark names exactly one sentence.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ._notebook import nbgrader_meta, read_notebook

_HEADING = re.compile(r"^\*\*Contract\*\*\s*$", re.M)
#: A sentence ends at . ! or ? followed by blanks and a capital, a backtick or an emphasis.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*_(\"])")


def normalize(text: str) -> str:
    """Collapse blanks and drop markdown emphasis outside code, so marks can quote plain text."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # the even parts are outside backticks
        parts[i] = re.sub(r"(?<![\w*])\*{1,2}|\*{1,2}(?![\w*])", "", parts[i])
    return " ".join("`".join(parts).split())


def _bullets(markdown: str) -> list[str]:
    match = _HEADING.search(markdown)
    if not match:
        return []
    out: list[str] = []
    for line in markdown[match.end() :].splitlines():
        if line.lstrip().startswith("- "):
            out.append(line.lstrip()[2:])
        elif out and line.startswith("  ") and line.strip():
            out[-1] += " " + line.strip()
        elif out and not line.strip():
            continue
        elif out:
            break  # the list is over: a paragraph, a hint, a code block
    return out


def sentences(bullet: str) -> list[str]:
    """Split one bullet of a contract into its sentences."""
    return [s for s in (normalize(p) for p in _SENTENCE_END.split(bullet)) if s]


def contract_sentences(master: Path) -> dict[str, list[str]]:
    """Map each exercise (answer cell grade_id) of a master to its contract's sentences."""
    nb = read_notebook(master)
    out: dict[str, list[str]] = {}
    pending: list[str] | None = None
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and not meta.get("solution"):
            found = _bullets(cell.source)
            if found:
                pending = [s for b in found for s in sentences(b)]
        elif cell.cell_type == "code" and meta.get("solution") and pending is not None:
            out[meta["grade_id"]] = pending
            pending = None
    return out


def _mark_args(node: ast.expr, name: str) -> list[str] | None:
    """The string arguments of ``pytest.mark.<name>(...)``, or None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "mark"
    ):
        return _strings(node)
    return None


def _strings(call: ast.Call) -> list[str]:
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _exercise_alias(node: ast.expr) -> str | None:
    """The exercise a module-level ``NAME = Exercise("x")`` (or ``testing.Exercise``,
    or ``pytest.mark.exercise``) names, or None."""
    args = _mark_args(node, "exercise")
    if (
        args is None
        and isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "Exercise")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "Exercise")
        )
    ):
        args = _strings(node)
    return args[0] if args else None


def untested(suite: Path) -> dict[str, dict[str, str]]:
    """The suite's ``UNTESTED = {exercise: {fragment: reason}}``: sentences that promise nothing.

    For example "You may assume `src is not dst`" grants the student something;
    no test can fail when a solution "violates" it.
    """
    tree = ast.parse(suite.read_text(), str(suite))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "UNTESTED"
        ):
            value = ast.literal_eval(node.value)
            return {ex: {normalize(f): why for f, why in d.items()} for ex, d in value.items()}
    return {}


def suite_contracts(suite: Path) -> dict[str, dict[str, list[str]]]:
    """Map exercise -> test name -> the contract fragments its marks name."""
    tree = ast.parse(suite.read_text(), str(suite))
    aliases: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            name = _exercise_alias(node.value)
            if isinstance(target, ast.Name) and name:
                aliases[target.id] = name
    out: dict[str, dict[str, list[str]]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not node.name.startswith("test"):
            continue
        exercise = None
        fragments: list[str] = []
        for deco in node.decorator_list:
            if isinstance(deco, ast.Name) and deco.id in aliases:
                exercise = aliases[deco.id]
            if (
                isinstance(deco, ast.Call)
                and isinstance(deco.func, ast.Name)
                and deco.func.id in aliases
            ):
                # @BUFFER("sentence", ..., weight=2): autograder.testing.Exercise
                exercise = aliases[deco.func.id]
                fragments.extend(normalize(a) for a in _strings(deco))
            args = _mark_args(deco, "exercise")
            if args:
                exercise = args[0]
            args = _mark_args(deco, "contract")
            if args:
                fragments.extend(normalize(a) for a in args)
        if exercise is not None:
            out.setdefault(exercise, {})[node.name] = fragments
    return out


def coverage(master: Path, suite: Path) -> dict[str, dict]:
    """For each exercise: its sentences with the tests that check each, and bad marks.

    Returns ``{exercise: {"covered": {sentence: [tests]}, "unknown": [(test, fragment)],
    "ambiguous": [(test, fragment)]}}``.
    """
    contracts = contract_sentences(master)
    marks = suite_contracts(suite)
    exempt = untested(suite)
    report: dict[str, dict] = {}
    for exercise, sents in contracts.items():
        covered: dict[str, list[str]] = {s: [] for s in sents}
        unknown, ambiguous = [], []
        pairs = list(marks.get(exercise, {}).items())
        pairs += [(f"UNTESTED: {why}", [f]) for f, why in exempt.get(exercise, {}).items()]
        for test, fragments in pairs:
            for fragment in fragments:
                hits = [s for s in sents if fragment in s]
                if not hits:
                    unknown.append((test, fragment))
                elif len(hits) > 1:
                    ambiguous.append((test, fragment))
                else:
                    covered[hits[0]].append(test)
        report[exercise] = {"covered": covered, "unknown": unknown, "ambiguous": ambiguous}
    return report
