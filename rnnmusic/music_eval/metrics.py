"""Melody metrics: pure functions of one :class:`~rnnmusic.music_eval.window.Window`.

Each returns a *count* ``(numerator, denominator)`` so that a set of windows is summarised
by summing both (a pooled rate: every bar, note or interval weighs the same, whichever
window it is in). A window with nothing to count gives a denominator of 0.

Definitions (the table's rows):

- *bar repetition*: a bar counts as repeated when it equals an earlier bar of the same
  window: the same notes at the same offsets with the same durations (and pitches, for the
  exact kind; without pitches for the rhythm kind). A bar without onsets never counts as
  repeated. Out of all bars of the window.
- *repeats with the seed*: bars equal to a bar of the seed or an earlier bar of the window
  (exact), so a continuation that restates the seed's phrase counts; the copied seed is 100%.
- *2-bar repetition*: the same for aligned units of two bars (bars 1-2, 3-4, ... of the
  window), out of all whole units.
- *downbeat bars*: bars with a note starting on their first step.
- *onset profile*: per meter, the share of bars with an onset at each beat unit (each
  1/denominator note: 4 positions in 4/4, 6 in 6/8).
- *in key*: notes whose pitch class belongs to the window's key (the seed's estimated key;
  a minor key allows the raised seventh too, as :func:`rnnmusic.engine.keys.scale_pitch_classes`).
- *tonic at phrase ends*: the lowest pitch sounding at the downbeat of each phrase-end bar
  (bar numbers divisible by 4, which covers 8-bar phrases, plus the window's last bar) is the
  key's tonic; silence there counts as not.
- *leaps*: intervals of the top line (see :func:`top_line`) larger than a perfect fifth.
- *long notes*: notes longer than the bar they start in.
- *silence*: steps of the window where no note sounds.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.engine.keys import scale_pitch_classes
from rnnmusic.music_eval.window import Window

Count = tuple[float, float]
#: an interval larger than this many semitones (a perfect fifth) is a leap
LEAP = 7
PHRASE = 4


def _repeated(units: list[tuple], seen: set[tuple] | None = None) -> int:
    seen = set(seen or ())
    count = 0
    for unit in units:
        if unit in seen and any(unit[1:]):  # unit[0] is the length; a unit with no onsets is not a repeat
            count += 1
        seen.add(unit)
    return count


def _units(w: Window, exact: bool, size: int) -> list[tuple]:
    units = []
    for first in range(0, w.bars - size + 1, size):
        bars = [w.bar_events(i, with_pitch=exact) for i in range(first, first + size)]
        lengths = tuple(int(w.bar_lines[i + 1] - w.bar_lines[i]) for i in range(first, first + size))
        units.append((lengths, *bars))
    return units


def bar_repetition(w: Window, exact: bool = True, size: int = 1) -> Count:
    """Units of ``size`` bars equal to an earlier aligned unit of the window (see the module doc)."""
    units = _units(w, exact, size)
    return float(_repeated(units)), float(len(units))


def repetition_with_seed(w: Window, seed: Window, exact: bool = True) -> Count:
    """Bars of ``w`` equal to a bar of ``seed`` or to an earlier bar of ``w``: repetition of the form,
    the seed included (a continuation that restates the seed's opening counts)."""
    units = _units(w, exact, 1)
    return float(_repeated(units, set(_units(seed, exact, 1)))), float(len(units))


def downbeat_bars(w: Window) -> Count:
    """Bars with an onset on their first step."""
    starts = set(w.onsets.tolist())
    return float(sum(int(line) in starts for line in w.bar_lines[:-1])), float(w.bars)


def onset_profile(w: Window) -> dict[str, tuple[np.ndarray, int]]:
    """Per meter ("6/8"): (bars with an onset at each beat unit, bars of that meter)."""
    out: dict[str, tuple[np.ndarray, int]] = {}
    starts = set(w.onsets.tolist())
    for i, (numerator, denominator) in enumerate(w.meters):
        unit = w.steps_per_quarter * 4 / denominator
        if unit != int(unit) or unit < 1:
            continue  # the grid cannot place this meter's beat units
        name = f"{numerator}/{denominator}"
        hits, bars = out.get(name, (np.zeros(numerator), 0))
        line = int(w.bar_lines[i])
        hits = hits + np.array([line + int(j * unit) in starts for j in range(numerator)], dtype=float)
        out[name] = (hits, bars + 1)
    return out


def in_key(w: Window) -> Count:
    """Notes in the window's key (0/0 when the key is unknown)."""
    if w.key is None:
        return 0.0, 0.0
    allowed = scale_pitch_classes(*w.key)
    return float(allowed[w.pitches % 12].sum()), float(len(w.pitches))


def phrase_end_bars(w: Window, phrase: int = PHRASE) -> list[int]:
    """Indices of the window's phrase-end bars: numbers divisible by ``phrase``, and the last bar."""
    ends = [i for i, number in enumerate(w.bar_numbers) if number > 0 and number % phrase == 0]
    return sorted(set(ends) | {w.bars - 1}) if w.bars else []


def tonic_at(w: Window, bars: list[int]) -> Count:
    """Of the given bars, those whose downbeat has the tonic as its lowest sounding pitch."""
    if w.key is None:
        return 0.0, 0.0
    hits = 0
    for i in bars:
        sounding = w.sounding(int(w.bar_lines[i]))
        hits += bool(len(sounding)) and int(sounding.min()) % 12 == w.key[0]
    return float(hits), float(len(bars))


def tonic_at_phrase_ends(w: Window) -> Count:
    return tonic_at(w, phrase_end_bars(w))


def tonic_at_last_bar(w: Window) -> Count:
    return tonic_at(w, [w.bars - 1] if w.bars else [])


def top_line(w: Window) -> np.ndarray:
    """Pitches of the top line: each note that no higher note sounds against when it starts, in time order.

    For a melody this is every note; in four-part writing, mostly the soprano.
    """
    keep = []
    for i, (on, pitch) in enumerate(zip(w.onsets.tolist(), w.pitches.tolist())):
        sounding = w.sounding(on)
        if pitch >= sounding.max():
            keep.append(i)
    pitches = w.pitches[keep]
    onsets = w.onsets[keep]
    # where two notes start together at the top (a doubled pitch), keep one
    if not len(keep):
        return pitches
    first = np.concatenate([[True], (np.diff(onsets) != 0) | (np.diff(pitches) != 0)])
    return pitches[first]


def intervals(w: Window) -> np.ndarray:
    """Signed semitone steps between successive notes of the top line."""
    return np.diff(top_line(w).astype(np.int64))


def leaps(w: Window) -> Count:
    """Top-line intervals larger than a perfect fifth."""
    steps = np.abs(intervals(w))
    return float((steps > LEAP).sum()), float(len(steps))


def mean_interval(w: Window) -> Count:
    """Summed absolute top-line interval, and how many: their mean in semitones."""
    steps = np.abs(intervals(w))
    return float(steps.sum()), float(len(steps))


def pitch_range(w: Window) -> Count:
    """Highest minus lowest pitch, for a mean over windows (0/0 without notes)."""
    if len(w.pitches) == 0:
        return 0.0, 0.0
    return float(w.pitches.max() - w.pitches.min()), 1.0


def long_notes(w: Window) -> Count:
    """Notes longer than the bar they start in."""
    bar = w.bar_of(w.onsets)
    lengths = np.diff(w.bar_lines)[bar] if len(bar) else np.zeros(0)
    return float((w.durations > lengths).sum()), float(len(w.durations))


def silence(w: Window) -> Count:
    """Steps with no note sounding."""
    covered = np.zeros(w.length, dtype=bool)
    start = int(w.bar_lines[0])
    for on, dur in zip(w.onsets.tolist(), w.durations.tolist()):
        covered[on - start: on - start + dur] = True
    return float((~covered).sum()), float(w.length)


MELODY_METRICS = {
    "bar_repetition": lambda w: bar_repetition(w, exact=True),
    "bar_rhythm_repetition": lambda w: bar_repetition(w, exact=False),
    "two_bar_repetition": lambda w: bar_repetition(w, exact=True, size=2),
    "two_bar_rhythm_repetition": lambda w: bar_repetition(w, exact=False, size=2),
    "downbeat_bars": downbeat_bars,
    "in_key": in_key,
    "tonic_phrase_ends": tonic_at_phrase_ends,
    "tonic_last_bar": tonic_at_last_bar,
    "pitch_range": pitch_range,
    "mean_interval": mean_interval,
    "leaps": leaps,
    "long_notes": long_notes,
    "silence": silence,
}
