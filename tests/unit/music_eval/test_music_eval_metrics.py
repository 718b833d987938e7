"""Melody metrics on a hand-made tune whose values are counted by hand (see music_eval_data)."""

from __future__ import annotations

import numpy as np
import pytest
from music_eval_data import C_MAJOR, A, B, C, E, tune, window_of_bars

from rnnmusic.music_eval import metrics as m


def test_bar_repetition_counts_exact_and_rhythm_repeats():
    w = tune()
    assert m.bar_repetition(w, exact=True) == (3, 8)  # bars 3, 5, 6
    assert m.bar_repetition(w, exact=False) == (4, 8)  # and bar 7 (A's rhythm)


def test_two_bar_units_are_aligned_pairs():
    # units (A B) (A C) (A B) (D E): the third repeats the first
    assert m.bar_repetition(tune(), exact=True, size=2) == (1, 4)
    assert m.bar_repetition(tune(), exact=False, size=2) == (1, 4)


def test_silent_bars_are_never_repeats():
    assert m.bar_repetition(window_of_bars([E, E, E]), exact=True) == (0, 3)


def test_a_bar_of_another_length_is_not_the_same_bar():
    w = window_of_bars([A, A], bar_steps=16)
    short = window_of_bars([A], bar_steps=16)
    assert m.bar_repetition(w) == (1, 2)
    from rnnmusic.music_eval.window import make_window

    mixed = make_window([0, 16], [4, 4], [60, 60], [16, 12], [(4, 4), (3, 4)])
    assert m.bar_repetition(mixed) == (0, 2)
    assert short.bars == 1


def test_downbeats_silence_and_long_notes():
    w = tune()
    assert m.downbeat_bars(w) == (7, 8)  # the silent bar has none
    assert m.silence(w) == (16, 128)
    assert m.long_notes(w) == (0, 21)  # the whole note is exactly a bar
    held = window_of_bars([[(0, 20, 60)], []])
    assert m.long_notes(held) == (1, 1)


def test_onset_profile_of_the_tune():
    hits, bars = m.onset_profile(tune())["4/4"]
    assert bars == 8
    np.testing.assert_array_equal(hits, [7, 4, 6, 4])


def test_onset_profile_of_a_jig_counts_eighths():
    jig = [(0, 4, 67), (4, 2, 64), (6, 4, 62), (10, 2, 64)]  # quarter-eighth, quarter-eighth
    run = [(2 * i, 2, 60 + i) for i in range(6)]
    profile = m.onset_profile(window_of_bars([jig, jig, run], bar_steps=12, meter=(6, 8)))
    hits, bars = profile["6/8"]
    assert bars == 3
    np.testing.assert_array_equal(hits, [3, 1, 3, 3, 1, 3])


def test_in_key_counts_the_one_f_sharp():
    assert m.in_key(tune()) == (20, 21)
    assert m.in_key(window_of_bars([A], key=None)) == (0, 0)


def test_tonic_at_phrase_ends():
    w = tune()
    assert m.phrase_end_bars(w) == [3, 7]  # bars 4 and 8
    assert m.tonic_at_phrase_ends(w) == (1, 2)  # bar 4 holds high C; bar 8 is silent
    assert m.tonic_at_last_bar(w) == (0, 1)
    # a window that starts at bar 5 of its piece: phrase ends at bars 8 and its last, 10
    later = window_of_bars([A, B, A, [(0, 16, 48)], [(0, 16, 60)], B], first_bar=5)
    assert m.phrase_end_bars(later) == [3, 5]
    assert m.tonic_at_phrase_ends(later) == (1, 2)


def test_intervals_and_leaps_follow_the_top_line():
    w = tune()
    expected = [2, 2, 1, 2, -2, -5, 2, 2, 1, 7, -12, 2, 2, 1, 2, -2, 2, -1, -2, -2]
    assert m.intervals(w).tolist() == expected
    assert m.leaps(w) == (1, len(expected))  # only the octave drop from high C
    assert m.mean_interval(w) == (sum(abs(i) for i in expected), len(expected))
    assert m.pitch_range(w) == (72 - 60, 1)


def test_top_line_takes_the_highest_voice():
    chords = [[(0, 8, 48), (0, 8, 64), (0, 4, 72), (4, 4, 74), (8, 8, 50), (8, 8, 71)]]
    assert m.top_line(window_of_bars(chords)).tolist() == [72, 74, 71]


def test_empty_window_counts_nothing():
    w = window_of_bars([E, E], key=C_MAJOR)
    assert m.pitch_range(w) == (0, 0)
    assert m.leaps(w) == (0, 0)
    assert m.silence(w) == (32, 32)


@pytest.mark.parametrize("name", sorted(m.MELODY_METRICS))
def test_every_metric_returns_a_count(name):
    num, den = m.MELODY_METRICS[name](tune())
    assert 0 <= num and (den > 0)


def test_repetition_with_the_seed_counts_restated_seed_bars():
    seed = window_of_bars([A, B])
    w = window_of_bars([B, C, C, E, A], first_bar=3)
    assert m.repetition_with_seed(w, seed) == (3, 5)  # B and A from the seed, C from the window; E is silent
    assert m.bar_repetition(w) == (1, 5)
