"""One torch pin policy: pyproject.toml gives the supported range, the Makefile (and so CI, which runs
`make test`) installs the one tested release, and that release lies in the range."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[3]


def supported_range() -> SpecifierSet:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    torch = [Requirement(r) for r in extras["train"] if Requirement(r).name == "torch"]
    assert len(torch) == 1, "the train extra names torch once"
    return torch[0].specifier


def makefile_torch_release() -> str:
    found = re.findall(r"^TORCH_TESTED\s*:?=\s*(\S+)\s*$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert len(found) == 1, "the Makefile sets TORCH_TESTED once"
    return found[0]


def test_the_tested_release_lies_in_the_supported_range():
    assert supported_range().contains(makefile_torch_release()), (makefile_torch_release(), str(supported_range()))


def test_the_makefile_installs_torch_only_as_the_makefile_torch_release():
    installs = re.findall(r"pip install[^\n]*\btorch\S*", (ROOT / "Makefile").read_text())
    assert installs and all(line.endswith("torch==$(TORCH_TESTED)") for line in installs), installs


def test_the_readme_tells_users_the_makefile_torch_release():
    pins = set(re.findall(r"pip install torch==(\S+)", (ROOT / "README.md").read_text()))
    assert pins == {makefile_torch_release()}


def test_a_release_outside_the_range_is_refused():
    # the check above would pass for anything if the range parsed as "any version"
    assert not supported_range().contains("2.0.0") and not supported_range().contains("99.0")
