"""The pip path and the conda path install the same pinned versions."""

import re

from conftest import ROOT


def _pins(lines, sep):
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].split(";", 1)[0].strip().lstrip("- ").strip()
        if line.startswith(("python=", "pip:", "-e")) or line == "pip":
            continue
        if "==" in line:  # a pip line inside environment.yml
            name, version = line.split("==", 1)
        elif sep in line:
            name, version = line.split(sep, 1)
        else:
            continue
        pins[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return pins


def requirements():
    return _pins((ROOT / "requirements.txt").read_text().splitlines(), "==")


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            # An environment marker may limit a pin to one Python version.
            pin = r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.]*"
            marker = r'(\s*;\s*python_version\s*==\s*"3\.\d+")?'
            assert re.fullmatch(pin + marker, line), f"not pinned: {line}"


def test_environment_yml_has_the_same_pins_as_requirements():
    text = (ROOT / "environment.yml").read_text()
    deps = text.split("dependencies:", 1)[1].splitlines()
    conda = {k: v for k, v in _pins(deps, "=").items()}
    assert conda == requirements()


def test_environment_yml_uses_conda_forge_and_the_default_python():
    """conda gets the Python that `make` picks on a machine that has it (3.13)."""
    text = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in text
    assert re.search(r"^\s*-\s*python=3\.13\s*$", text, re.M)


def test_constraints_agree_with_requirements():
    locked = _pins((ROOT / "constraints.txt").read_text().splitlines(), "==")
    for name, version in requirements().items():
        assert locked.get(name) == version, (
            f"{name}: requirements {version}, constraints {locked.get(name)}"
        )


def test_key_versions_are_the_ones_the_course_is_built_for():
    pins = requirements()
    assert pins["nbgrader"] == "0.9.6"
    assert pins["jupyterlab"].startswith("4.")
    assert pins["nbval"].startswith("0.11")
    for name in ("matplotlib", "pytest", "pytest-timeout"):
        assert name in pins
