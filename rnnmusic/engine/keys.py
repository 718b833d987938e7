"""Keys and scales for the key constraint: which pitch classes a key allows, and estimating a seed's key.

Key names and parsing them are :mod:`rnnmusic.midi.names`.

Estimation correlates the seed's duration-weighted pitch-class histogram with the
Krumhansl-Kessler key profiles (probe-tone ratings, Krumhansl & Kessler 1982) in all
24 rotations and takes the best. A minor key allows the natural minor scale plus the
raised seventh (the leading tone of harmonic minor), as minor-key tunes use both.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.notes import NoteSequence

_MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
_MINOR_STEPS = (0, 2, 3, 5, 7, 8, 10, 11)


def scale_pitch_classes(tonic: int, minor: bool) -> np.ndarray:
    """Boolean [12]: which pitch classes the key allows."""
    allowed = np.zeros(12, dtype=bool)
    allowed[[(tonic + step) % 12 for step in (_MINOR_STEPS if minor else _MAJOR_STEPS)]] = True
    return allowed


def estimate_key(seq: NoteSequence) -> tuple[int, bool] | None:
    """The most likely key of the pitched notes of ``seq``, or None when it has none."""
    notes = seq.notes[~seq.notes["is_drum"]]
    if len(notes) == 0:
        return None
    weights = np.maximum(notes["end"] - notes["start"], 1e-3)
    histogram = np.bincount(notes["pitch"].astype(np.int64) % 12, weights=weights, minlength=12)
    if np.ptp(histogram) == 0:
        return None
    best, best_score = None, -np.inf
    for minor, profile in ((False, _MAJOR_PROFILE), (True, _MINOR_PROFILE)):
        for tonic in range(12):
            score = np.corrcoef(histogram, np.roll(profile, tonic))[0, 1]
            if score > best_score + 1e-12:
                best, best_score = (tonic, minor), score
    return best
