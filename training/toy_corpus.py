"""A small synthetic MIDI corpus: real MIDI files of seeded random-walk tunes.

Used by the tests and the throughput benchmark (a known, reproducible input with
real structure to learn), and handy for a smoke test of the whole pipeline:
``python -m rnnmusic.training.toy_corpus OUT_DIR --files 50``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from rnnmusic.midi.write import write_midi
from rnnmusic.notes import NoteSequence, TempoChange, make_notes

DRUM_KIT = (36, 38, 42, 46)  # General MIDI kick, snare, closed and open hi-hat


def toy_tune(rng: np.random.Generator, notes: int = 64, qpm: float = 120.0, chords: bool = False,
             drums: bool = False) -> NoteSequence:
    """A random walk in C major on eighth and quarter notes; with ``chords``, a third above each note;
    with ``drums``, a drum pattern (kick, snare, hi-hats on channel 10) instead."""
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    degree = int(rng.integers(7, 14))
    beat = 60.0 / qpm
    t, rows = 0.0, []
    for _ in range(notes):
        degree = int(np.clip(degree + rng.choice([-2, -1, -1, 0, 1, 1, 2]), 0, 20))
        pitch = 48 + 12 * (degree // 7) + int(scale[degree % 7])
        length = beat * (0.5 if rng.random() < 0.6 else 1.0)
        velocity = int(rng.integers(60, 100))
        if drums:
            pitch = DRUM_KIT[degree % len(DRUM_KIT)]
        rows.append((pitch, velocity, t, t + length * 0.95, 0, drums, 0))
        if chords and not drums:
            third = 48 + 12 * ((degree + 2) // 7) + int(scale[(degree + 2) % 7])
            rows.append((third, velocity, t, t + length * 0.95, 0, False, 0))
        t += length
    return NoteSequence(notes=make_notes(rows), tempos=(TempoChange(0.0, qpm),))


def write_toy_corpus(folder: str | os.PathLike, files: int = 20, seed: int = 0, notes: int = 64,
                     chords: bool = False, drums: bool = False) -> list[Path]:
    """Write ``files`` tunes as ``tune_000.mid``...; the same seed writes the same bytes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(files):
        path = folder / f"tune_{i:03d}.mid"
        write_midi(toy_tune(rng, notes=notes, chords=chords, drums=drums), path)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--notes", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chords", action="store_true")
    parser.add_argument("--drums", action="store_true")
    args = parser.parse_args(argv)
    write_toy_corpus(args.folder, args.files, args.seed, args.notes, args.chords, args.drums)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
