"""Trivial continuations a model has to beat: the seed copied, and random notes of the seed's key and rhythm.

Both are built from the seed's full bars as a window (the pickup left out), so they keep
the seed's meter and bar lengths exactly. *copy seed* repeats the seed's bars, in order,
until the continuation's length is filled. *random in key* has the same notes at the same
times with the same durations, each given a pitch drawn uniformly from the pitches of the
seed's key between the seed's lowest and highest pitch (no pitch twice at one onset where
the key has enough): the rhythm of the seed with the key but no melody.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.engine.keys import scale_pitch_classes
from rnnmusic.music_eval.window import Window, make_window


def copy_seed(seed: Window, bars: int, first_bar: int) -> Window:
    """``bars`` bars made of the seed's bars repeated; the first is numbered ``first_bar``."""
    lengths = np.diff(seed.bar_lines)
    if seed.bars == 0:
        raise ValueError("copy_seed needs a seed of at least one bar")
    onsets, durations, pitches, out_lengths, meters = [], [], [], [], []
    position = 0
    for i in range(bars):
        source = i % seed.bars
        lo, hi = seed.bar_lines[source], seed.bar_lines[source + 1]
        inside = (seed.onsets >= lo) & (seed.onsets < hi)
        onsets.append(seed.onsets[inside] - lo + position)
        durations.append(seed.durations[inside])
        pitches.append(seed.pitches[inside])
        out_lengths.append(int(lengths[source]))
        meters.append(seed.meters[source])
        position += int(lengths[source])
    return make_window(np.concatenate(onsets), np.concatenate(durations), np.concatenate(pitches), out_lengths,
                       meters, first_bar, seed.steps_per_quarter, seed.key)


def random_in_key(seed: Window, bars: int, first_bar: int, rng: np.random.Generator) -> Window:
    """The copied seed's rhythm with pitches drawn at random from the key within the seed's range."""
    rhythm = copy_seed(seed, bars, first_bar)
    if len(rhythm.pitches) == 0:
        return rhythm
    low, high = int(seed.pitches.min()), int(seed.pitches.max())
    candidates = np.arange(low, high + 1)
    if seed.key is not None:
        in_key = candidates[scale_pitch_classes(*seed.key)[candidates % 12]]
        candidates = in_key if len(in_key) else candidates
    pitches = np.empty_like(rhythm.pitches)
    for step in np.unique(rhythm.onsets):
        where = np.flatnonzero(rhythm.onsets == step)
        replace = len(where) > len(candidates)
        pitches[where] = rng.choice(candidates, size=len(where), replace=replace)
    lengths = np.diff(rhythm.bar_lines)
    return make_window(rhythm.onsets, rhythm.durations, pitches, lengths, rhythm.meters, first_bar,
                       rhythm.steps_per_quarter, rhythm.key)
