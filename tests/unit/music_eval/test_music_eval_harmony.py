"""Polyphony metrics on a hand-made progression with known parallels, clashes and chords (music_eval_data)."""

from __future__ import annotations

from music_eval_data import progression

from rnnmusic.music_eval import harmony as h
from rnnmusic.music_eval.window import make_window


def test_parallel_fifths_and_octaves_per_moving_pair():
    # moving pairs: 1-2 (octaves, parallel), 3-4, 5-6, 6-7, 7-8, 8-9 (fifths, parallel)
    assert h.parallels(progression()) == (2, 6)


def test_contrary_motion_into_a_fifth_is_not_parallel():
    w = make_window([0, 0, 4, 4], [4, 4, 4, 4], [48, 55, 43, 62], [16])  # C-G, then G-D: bass down, top up
    assert h.parallels(w) == (0, 1)


def test_triad_and_seventh_onsets():
    # C, Dm, G7, C, F, G are chords; C-E-F-G and the two-pitch-class sonorities are not
    assert h.chord_onsets(progression()) == (6, 9)


def test_semitone_clashes():
    assert h.clash_onsets(progression()) == (1, 9)  # only C-E-F-G
    assert h.has_clash(__import__("numpy").array([60, 71]))  # a major seventh clashes too
    assert not h.has_clash(__import__("numpy").array([60, 64, 67]))


def test_voices_per_onset():
    assert h.voices_per_onset(progression()) == (5 * 4 + 4 * 3, 9)


def test_held_notes_sound_at_later_onsets():
    w = make_window([0, 4], [8, 4], [48, 64], [16])  # the bass holds under the second note
    assert h.voices_per_onset(w) == (3, 2)


def test_eighth_grid_onsets():
    w = make_window([0, 1, 2, 6, 16, 19], [1, 1, 1, 1, 1, 1], [60] * 6, [16, 16])
    assert h.eighth_grid_onsets(w) == (4, 6)  # off the grid: steps 1 and 3 of their bars


def test_top_voice_leaps_follow_the_soprano():
    # soprano 72 74 74 72 67 69 71 76 78: no step larger than a fifth
    assert h.POLYPHONY_METRICS["top_voice_leaps"](progression()) == (0, 8)


def test_tonic_at_a_downbeat_is_read_from_the_bass():
    from rnnmusic.music_eval.metrics import tonic_at, tonic_at_last_bar

    w = progression()
    assert tonic_at(w, [0]) == (1, 1)  # C major over C
    assert tonic_at(w, [1]) == (1, 1)  # bar 2 opens on C E F G: not a chord, but over a C bass
    assert tonic_at_last_bar(w) == (0, 1)  # bar 3 opens on B F# F#
