"""Fixtures for the MIDI tests: the committed test files (written by tests/data/make_test_midi.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


def readable_files() -> list[Path]:
    return sorted(DATA.glob("*.mid"))


def broken_files() -> list[Path]:
    return sorted((DATA / "broken").iterdir())
