"""A stretch of a piece moved to start at 0: notes, tempo map, meters and keys from a point on."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rnnmusic.notes import KeySignature, NoteSequence, TempoChange, TimeSignature

#: events this close after the origin (seconds) count as at it (MIDI tick rounding)
_EPS = 1e-6


def excerpt_from(seq: NoteSequence, notes: np.ndarray, origin: float, length: float = 0.0) -> NoteSequence:
    """``notes`` (taken from ``seq``, none before ``origin``) moved earlier by ``origin`` seconds, on the
    tempo, meter and key in effect there and the changes after it; at least ``length`` long, no controls."""
    moved = notes.copy()
    moved["start"] -= origin
    moved["end"] -= origin

    def from_origin(events, make):
        before = [e for e in events if e.time <= origin + _EPS]
        later = [make(e, e.time - origin) for e in events if e.time > origin + _EPS]
        return ([make(before[-1], 0.0)] if before else []) + later

    return replace(seq, notes=moved, control_changes=(), total_time=max(float(length), 0.0),
                   tempos=tuple(from_origin(seq.tempos, lambda e, t: TempoChange(t, e.qpm))),
                   time_signatures=tuple(from_origin(
                       seq.time_signatures, lambda e, t: TimeSignature(t, e.numerator, e.denominator))),
                   key_signatures=tuple(from_origin(seq.key_signatures, lambda e, t: KeySignature(t, e.key, e.minor))))
