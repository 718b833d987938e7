"""What a MIDI file holds, in ticks: the value both readers produce and :mod:`rnnmusic.midi.read` turns into seconds.

The fast reader (:mod:`rnnmusic.midi.fast`) and the exact one (:mod:`rnnmusic.midi.parse`)
must agree on every file, so they agree here first, before tempo maps and sorting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KEPT_CONTROLS = (64, 66, 67)  # the pedals: sustain, sostenuto, soft
DRUM_CHANNEL = 9  # channel 10 as musicians count


@dataclass
class ParsedInstrument:
    """One (MIDI track, channel, program): what pretty_midi calls an instrument."""

    name: str
    program: int
    is_drum: bool
    controls: list[tuple[int, int, int]] = field(default_factory=list)  # tick, number, value (time order)


@dataclass
class ParsedMidi:
    """A MIDI file in ticks, as either reader leaves it."""

    ticks_per_quarter: int
    tempos: list[tuple[int, float]] = field(default_factory=list)  # tick, qpm
    meters: list[tuple[int, int, int]] = field(default_factory=list)  # tick, numerator, denominator
    keys: list[tuple[int, int, bool]] = field(default_factory=list)  # tick, tonic pitch class, minor
    instruments: list[ParsedInstrument] = field(default_factory=list)
    #: int64 (5, n), one row per field: start tick, end tick, pitch, velocity, index into ``instruments``
    notes: np.ndarray = field(default_factory=lambda: np.zeros((5, 0), dtype=np.int64))
    #: the text meta events (FF 01) in file order, decoded as UTF-8; only the exact reader fills it
    texts: list[str] = field(default_factory=list)


def track_name(decoded: str) -> str:
    """A track name as both readers give it: bytes that are not UTF-8 (decoded as U+FFFD) are left out.

    symusic and Python replace invalid bytes differently, so what replaces them is dropped.
    """
    return decoded.replace("\ufffd", "")
