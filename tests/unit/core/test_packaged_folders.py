"""Every Python package folder is listed in pyproject.toml: a folder left out installs from the repository
(editable) but is missing from a wheel, so `pip install rnnmusic` users would meet an ImportError."""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[3]
#: installed name -> folder in the repository (pyproject's package-dir)
FOLDERS = {"rnnmusic": ROOT / "rnnmusic", "rnnmusic.training": ROOT / "training", "rnnmusic.gui": ROOT / "gui"}


def package_folders() -> set[str]:
    found = set()
    for name, folder in FOLDERS.items():
        for init in folder.rglob("__init__.py"):
            parts = init.parent.relative_to(folder).parts
            found.add(".".join((name, *parts)))
    return found


def test_every_package_folder_is_installed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    missing = sorted(package_folders() - listed)
    assert missing == [], f"pyproject.toml [tool.setuptools] packages lacks {missing}"


def test_the_folder_scan_sees_nested_packages():
    assert {"rnnmusic.engine", "rnnmusic.training.recipes", "rnnmusic.music_eval"} <= package_folders()
