"""The baselines (copy seed, random in key) and the pooled columns, on hand-made seeds."""

from __future__ import annotations

import numpy as np
import pytest
from music_eval_data import C_MAJOR, A, B, D, tune, window_of_bars

from rnnmusic.engine.keys import scale_pitch_classes
from rnnmusic.music_eval.baselines import copy_seed, random_in_key
from rnnmusic.music_eval.metrics import bar_repetition, in_key
from rnnmusic.music_eval.tally import Tally, column, profile_distance


def test_copy_seed_repeats_the_seed_bars_in_order():
    seed = window_of_bars([A, B])
    out = copy_seed(seed, 5, first_bar=3)
    assert out.bars == 5 and out.bar_numbers == (3, 4, 5, 6, 7)
    assert [out.bar_events(i) for i in range(5)] == [seed.bar_events(i % 2) for i in range(5)]
    assert bar_repetition(out) == (3, 5)


def test_copy_seed_keeps_each_bar_length_and_meter():
    from rnnmusic.music_eval.window import make_window

    seed = make_window([0, 12], [12, 4], [60, 62], [12, 16], [(3, 4), (4, 4)])
    out = copy_seed(seed, 3, 1)
    assert np.diff(out.bar_lines).tolist() == [12, 16, 12]
    assert out.meters == ((3, 4), (4, 4), (3, 4))


def test_random_in_key_keeps_the_rhythm_and_the_key():
    seed = window_of_bars([A, D])  # range 60..67, one F#
    out = random_in_key(seed, 8, 3, np.random.default_rng(0))
    rhythm = copy_seed(seed, 8, 3)
    np.testing.assert_array_equal(out.onsets, rhythm.onsets)
    np.testing.assert_array_equal(out.durations, rhythm.durations)
    assert in_key(out) == (len(out.pitches), len(out.pitches))
    assert out.pitches.min() >= 60 and out.pitches.max() <= 67
    assert scale_pitch_classes(*C_MAJOR)[out.pitches % 12].all()
    assert bar_repetition(out, exact=False) == (7, 8)  # A and D share one rhythm


def test_random_in_key_puts_no_pitch_twice_in_a_chord():
    chord = [(0, 16, 60), (0, 16, 64), (0, 16, 67), (0, 16, 72)]
    out = random_in_key(window_of_bars([chord]), 4, 2, np.random.default_rng(1))
    for step in np.unique(out.onsets):
        pitches = out.pitches[out.onsets == step]
        assert len(set(pitches.tolist())) == len(pitches)


def test_a_column_pools_counts_over_windows():
    tally = Tally().add_all([tune(), window_of_bars([A, A])])
    rates = tally.rates()
    assert rates["bar_repetition"] == pytest.approx((3 + 1) / (8 + 2))
    col = column(tally, tally)
    assert col["overlap"] == pytest.approx(1.0)
    assert col["onset_profile_distance"] == 0.0


def test_onset_profile_distance_is_weighted_by_the_real_bars():
    quarters = Tally().add_all([window_of_bars([A, A])])  # 4/4 profile 1 1 1 1
    halves = Tally().add_all([window_of_bars([B, B])])  # 1 0 1 0
    assert profile_distance(quarters, halves) == pytest.approx(0.5)
    jigs = Tally().add_all([window_of_bars([[(0, 12, 60)]], bar_steps=12, meter=(6, 8))])
    assert np.isnan(profile_distance(jigs, halves))  # no meter in common
