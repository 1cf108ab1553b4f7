"""The examples in the docstrings run and say what they show (doctest)."""

from __future__ import annotations

import doctest
import importlib

import pytest
from conftest import ROOT

#: Every module of the course's own packages with an example in a docstring.
MODULES = sorted(
    path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
    for folder in ("autograder", "coursekit")
    for path in (ROOT / folder).rglob("*.py")
    if ">>>" in path.read_text(encoding="utf-8")
    and "mutants" not in path.parts
    and "alternatives" not in path.parts
    and not path.name.startswith("test_")
)


def test_some_modules_have_examples():
    assert len(MODULES) >= 3, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has '>>>' but doctest found no example"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
