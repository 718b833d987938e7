"""Example seeds: the opening bars of a piece from a dataset's held-out test split.

A seed taken from the test split lets a demo continue music the model never
trained on. The piece is the first test-split file (by path) that starts on a
downbeat, keeps one tempo and one meter over the seed, and whose seed notes the
encoding represents without dropping any; the seed is its first whole bars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnmusic.encodings import get_encoding
from rnnmusic.evaluate import read_manifest
from rnnmusic.midi.read import read_midi
from rnnmusic.midi.write import write_midi
from rnnmusic.notes import NoteSequence


@dataclass(frozen=True)
class Seed:
    source: str  # path of the piece inside the MIDI folder
    bars: int
    meter: tuple[int, int]
    sequence: NoteSequence


def bar_seconds(seq: NoteSequence) -> float:
    ts = seq.time_signatures[0]
    return ts.numerator * 4.0 / ts.denominator * 60.0 / seq.qpm


def opening_bars(seq: NoteSequence, bars: int) -> NoteSequence:
    """The first ``bars`` bars (first meter and tempo): notes starting before the cut, cut at it."""
    end = bars * bar_seconds(seq)
    notes = np.array(seq.notes[seq.notes["start"] < end - 1e-9])
    notes["end"] = np.minimum(notes["end"], end)
    return seq.evolve(
        notes=notes,
        tempos=tuple(t for t in seq.tempos if t.time < end),
        time_signatures=tuple(t for t in seq.time_signatures if t.time < end),
        key_signatures=tuple(k for k in seq.key_signatures if k.time < end),
        control_changes=(),
        total_time=end,
    )


def bars_for(seq: NoteSequence, min_quarters: float, min_bars: int, max_bars: int) -> int:
    """How many bars make at least ``min_quarters`` quarter notes, within [min_bars, max_bars]."""
    ts = seq.time_signatures[0]
    quarters = ts.numerator * 4.0 / ts.denominator
    return max(min_bars, min(max_bars, math.ceil(min_quarters / quarters - 1e-9)))


def pick_test_seed(data_dir: str | Path, midi_dir: str | Path, min_quarters: float = 8.0, min_bars: int = 2,
                   max_bars: int = 4) -> Seed:
    """The seed from the first suitable test-split piece of a dataset built from ``midi_dir``."""
    manifest = read_manifest(data_dir)
    encoding = get_encoding(manifest["encoding"]["name"], manifest["encoding"]["config"])
    tests = sorted(f["path"] for f in manifest["files"] if f["split"] == "test")
    for rel in tests:
        seq = read_midi(Path(midi_dir) / rel)
        bars = bars_for(seq, min_quarters, min_bars, max_bars)
        seed = opening_bars(seq, bars)
        ends = bars * bar_seconds(seq)
        if len(seed.notes) < 4 or seed.notes["start"].min() > 1e-6:
            continue  # a pickup or a silent opening
        if len(seed.tempos) != 1 or len(seed.time_signatures) != 1 or seq.total_time < 2 * ends:
            continue
        if encoding.encode_report(seed).dropped_total:
            continue
        return Seed(rel, bars, (seq.time_signatures[0].numerator, seq.time_signatures[0].denominator), seed)
    raise ValueError(f"{data_dir}: no test-split piece makes a seed ({len(tests)} test pieces looked at)")


def write_seed(seed: Seed, path: str | Path, description: str) -> Path:
    """Write the seed with a text event saying where it comes from."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_midi(seed.sequence.evolve(source=str(path)), path, text_events=(description,))
