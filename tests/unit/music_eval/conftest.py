"""Fixtures of the musical-evaluation tests: a tiny real model and a dataset built from real MIDI files."""

from __future__ import annotations

import pytest
from music_eval_data import build_tiny


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """Tunes of 12 bars: enough for 2 seed bars and 4 generated, too short for the defaults (4 + 16)."""
    return build_tiny(tmp_path_factory.mktemp("music_eval"))
