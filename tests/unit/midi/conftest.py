"""Fixtures for the MIDI tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from midi_data import DATA


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA
