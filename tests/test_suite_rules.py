"""Rules every hidden suite follows so that the seal can tell tampering from testing.

The seal (autograder/_seal.py) treats any write to the suite's own namespace, or
to a library module it watches, during a test as tampering: a student's code
could patch and restore it within one test. So a suite never rebinds its own
globals while it runs (no ``global`` statement), and a suite that patches a
library module itself says so in ``LIBRARY_WRITES``.
"""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

SUITES = sorted((ROOT / "autograder" / "suites").glob("*.py"))


def _imported_modules(tree: ast.Module) -> dict[str, str]:
    """Map the names a module binds with ``import x`` / ``import x as y`` to the module."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out[alias.asname or alias.name.split(".")[0]] = alias.name
    return out


def _declared(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "LIBRARY_WRITES"
        ):
            return set(ast.literal_eval(node.value))
    return set()


@pytest.mark.parametrize("path", SUITES, ids=[p.name for p in SUITES])
def test_a_suite_never_rebinds_its_own_globals(path):
    tree = ast.parse(path.read_text())
    found = [
        f"line {n.lineno}: global {', '.join(n.names)}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Global)
    ]
    assert not found, f"{path.name}: the seal would see these writes as tampering: {found}"


@pytest.mark.parametrize("path", SUITES, ids=[p.name for p in SUITES])
def test_a_suite_declares_the_library_modules_it_patches(path):
    tree = ast.parse(path.read_text())
    modules = _imported_modules(tree)
    declared = _declared(tree)
    patched = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
                if t.value.id in modules:
                    patched.add(modules[t.value.id])
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "delattr")
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in modules
        ):
            patched.add(modules[node.args[0].id])
        # autograder.testing.swapped(module, name, ...) writes to that module.
        func = node.func if isinstance(node, ast.Call) else None
        called = getattr(func, "id", None) or getattr(func, "attr", None)
        if called == "swapped" and node.args and isinstance(node.args[0], ast.Name):
            if node.args[0].id in modules:
                patched.add(modules[node.args[0].id])
        # FastWaits swaps queue.SimpleQueue and the time module's clocks.
        if isinstance(node, ast.Name) and node.id == "FastWaits":
            patched |= {"queue", "time"}
    missing = sorted(patched - declared)
    assert not missing, (
        f"{path.name} patches {missing} but does not list them in LIBRARY_WRITES; "
        "the seal would score the exercise 0 as tampered"
    )


def test_the_solutions_left_out_of_the_schedule_figure_exist_and_lose_no_race():
    """Every known-wrong solution that the schedule figure leaves out (issue 13) exists, in
    an assignment whose reports show schedules, and says why it is left out."""
    from autograder._mutants import NOT_A_SCHEDULE_BUG, SCHEDULED
    from autograder.course import mutants

    names = {m.name for a in SCHEDULED for m in mutants(a)}
    assert set(NOT_A_SCHEDULE_BUG) <= names, set(NOT_A_SCHEDULE_BUG) - names
    assert all(why.strip() for why in NOT_A_SCHEDULE_BUG.values())
