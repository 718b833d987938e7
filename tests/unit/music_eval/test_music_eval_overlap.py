"""Distribution overlaps (after Yang & Lerch 2018) on sets whose histograms are known."""

from __future__ import annotations

import math

import pytest
from music_eval_data import A, B, tune, window_of_bars

from rnnmusic.music_eval.overlap import FEATURES, FeatureSet, histogram_overlap, overlaps, pc_entropy, window_features


def test_histogram_overlap_is_the_shared_mass():
    assert histogram_overlap([1, 1, 2, 2], [2, 2, 3, 3], 1.0) == pytest.approx(0.5)
    assert histogram_overlap([1, 2, 3], [3, 2, 1], 1.0) == pytest.approx(1.0)
    assert histogram_overlap([1, 1], [5, 5], 1.0) == 0.0
    assert histogram_overlap([0.1, 0.2], [0.24], 0.25) == pytest.approx(0.5)  # 0.1 falls in bin 0, 0.2 in bin 1
    assert math.isnan(histogram_overlap([], [1], 1.0))


def test_pitch_class_entropy():
    assert pc_entropy([60, 62, 64, 65, 67, 69, 71]) == pytest.approx(math.log2(7))
    assert pc_entropy([60, 72, 48]) == 0.0
    assert pc_entropy([60, 61]) == pytest.approx(1.0)


def test_features_of_the_tune():
    f = window_features(tune())
    assert f["pitch_count"] == [7.0]  # 60 62 64 65 66 67 72
    assert f["pitch_range"] == [12.0]
    assert f["density"] == [21 / 8]
    assert sorted(set(f["duration"])) == [4.0, 8.0, 16.0]
    assert f["ioi"][:4] == [4.0, 4.0, 4.0, 4.0]
    assert len(f["interval"]) == 20


def test_a_set_overlaps_itself_fully_and_a_different_one_less():
    same = overlaps(FeatureSet.of([tune(), tune()]), FeatureSet.of([tune()]))
    assert set(same) == set(FEATURES) | {"mean"}
    assert same["mean"] == pytest.approx(1.0)
    other = overlaps(FeatureSet.of([window_of_bars([A, A])]), FeatureSet.of([window_of_bars([B, B])]))
    assert other["duration"] == 0.0  # quarters against halves
    assert other["pitch_range"] == 0.0  # 5 semitones against 2
    assert other["mean"] < 0.5
