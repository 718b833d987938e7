"""Finding the MIDI files in a folder: what a dataset build reads and what the app checks before training."""

from __future__ import annotations

from pathlib import Path

#: the suffixes (any case) of the files a dataset is built from
MIDI_FILE_SUFFIXES = (".mid", ".midi")


def find_midi_files(folder: Path) -> list[Path]:
    """Every .mid/.midi file (any case) under ``folder``, searched recursively, sorted by relative path."""
    return sorted(
        (p for p in folder.rglob("*") if p.suffix.lower() in MIDI_FILE_SUFFIXES and p.is_file()),
        key=lambda p: p.relative_to(folder).as_posix(),
    )
