"""Where the test MIDI files are (written by tests/data/make_test_midi.py); importable as `midi_data`."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"


def readable_files() -> list[Path]:
    return sorted(DATA.glob("*.mid"))


def broken_files() -> list[Path]:
    return sorted((DATA / "broken").iterdir())
