"""Polyphony metrics: pure functions of one window, counted per *onset* (a step where a note starts).

At each onset the sounding pitches (notes started at or before it and not yet ended) form
a chord. Definitions (the table's rows):

- *voices per onset*: how many pitches sound, on average.
- *triad/seventh onsets*: the chord's pitch-class set is exactly a major, minor, diminished
  or augmented triad, or a dominant, major, minor, half-diminished or diminished seventh
  chord, in any inversion and with any doublings; fewer than three pitch classes is not.
- *semitone clashes*: two sounding pitch classes a semitone apart (a minor second, major
  seventh or minor ninth, at any octave).
- *parallel fifths/octaves*: the outer voices are the highest and lowest sounding pitches
  (at onsets with two or more). Of each pair of successive such onsets where both outer voices
  change pitch (a *moving pair*), those where both move in the same direction and the
  interval between them is a perfect fifth or an octave/unison (modulo octaves) at both.
- *eighth-grid onsets*: notes whose offset from their bar line is a whole number of eighths.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.music_eval.metrics import Count, leaps
from rnnmusic.music_eval.window import Window


def _pc_sets(*chords: tuple[int, ...]) -> frozenset[frozenset[int]]:
    return frozenset(frozenset((root + step) % 12 for step in chord) for chord in chords for root in range(12))


#: major, minor, diminished, augmented triads
TRIADS = _pc_sets((0, 4, 7), (0, 3, 7), (0, 3, 6), (0, 4, 8))
#: dominant, major, minor, half-diminished and diminished sevenths
SEVENTHS = _pc_sets((0, 4, 7, 10), (0, 4, 7, 11), (0, 3, 7, 10), (0, 3, 6, 10), (0, 3, 6, 9))
CHORDS = TRIADS | SEVENTHS


def onset_chords(w: Window) -> list[tuple[int, np.ndarray]]:
    """(step, sorted sounding pitches) at every onset of the window, in time order."""
    return [(step, np.sort(w.sounding(step))) for step in np.unique(w.onsets).tolist()]


def voices_per_onset(w: Window) -> Count:
    chords = onset_chords(w)
    return float(sum(len(p) for _, p in chords)), float(len(chords))


def chord_onsets(w: Window) -> Count:
    """Onsets whose pitch-class set is a triad or seventh chord."""
    chords = onset_chords(w)
    return float(sum(frozenset((p % 12).tolist()) in CHORDS for _, p in chords)), float(len(chords))


def has_clash(pitches: np.ndarray) -> bool:
    classes = set((pitches % 12).tolist())
    return any((c + 1) % 12 in classes for c in classes)


def clash_onsets(w: Window) -> Count:
    """Onsets with two sounding pitch classes a semitone apart."""
    chords = onset_chords(w)
    return float(sum(has_clash(p) for _, p in chords)), float(len(chords))


def parallels(w: Window) -> Count:
    """Parallel fifths/octaves between the outer voices, out of moving pairs of successive onsets."""
    outer = [(int(p[-1]), int(p[0])) for _, p in onset_chords(w) if len(p) >= 2]
    moving = found = 0
    for (top1, bass1), (top2, bass2) in zip(outer, outer[1:]):
        if top1 == top2 or bass1 == bass2:
            continue
        moving += 1
        same_way = (top2 > top1) == (bass2 > bass1)
        perfect = (top1 - bass1) % 12 in (0, 7) and (top1 - bass1) % 12 == (top2 - bass2) % 12
        found += same_way and perfect
    return float(found), float(moving)


def eighth_grid_onsets(w: Window) -> Count:
    """Notes starting a whole number of eighth notes after their bar line."""
    offsets = w.onsets - w.bar_lines[w.bar_of(w.onsets)]
    return float(((offsets * 2) % w.steps_per_quarter == 0).sum()), float(len(offsets))


POLYPHONY_METRICS = {
    "voices_per_onset": voices_per_onset,
    "chord_onsets": chord_onsets,
    "clash_onsets": clash_onsets,
    "parallels": parallels,
    "eighth_grid_onsets": eighth_grid_onsets,
    "top_voice_leaps": leaps,
}
