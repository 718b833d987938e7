"""StepGrid: seconds <-> steps through a tempo map, and bar lines through meter changes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnmusic.grid import StepGrid
from rnnmusic.notes import NoteSequence, TempoChange, TimeSignature


def grid_of(tempos, meters=(TimeSignature(0.0),), steps_per_quarter=4) -> StepGrid:
    return StepGrid.for_sequence(NoteSequence(tempos=tempos, time_signatures=meters), steps_per_quarter)


def test_steps_follow_each_tempo():
    grid = grid_of((TempoChange(0.0, 120.0), TempoChange(2.0, 60.0)))
    # 120 qpm: a sixteenth is 0.125 s, so 2 s is 16 steps; then 60 qpm: 0.25 s per step
    assert grid.to_steps(2.0) == 16.0
    assert grid.to_steps(3.0) == 20.0
    assert grid.to_seconds(20) == 3.0
    assert grid.quantize(np.array([2.12, 2.13])).tolist() == [16, 17]


def test_triplet_and_mixed_grids():
    for steps_per_quarter in (3, 6, 12):
        grid = StepGrid.constant(90.0, steps_per_quarter)
        third = 60.0 / 90.0 / 3
        assert grid.to_steps(third) == pytest.approx(steps_per_quarter / 3)


@given(
    st.lists(st.tuples(st.floats(0.1, 30.0), st.floats(20.0, 300.0)), max_size=5),
    st.floats(0.0, 60.0),
    st.sampled_from([1, 3, 4, 12]),
)
def test_seconds_and_steps_are_inverse(changes, seconds, steps_per_quarter):
    tempos = (TempoChange(0.0, 100.0),) + tuple(TempoChange(t, q) for t, q in changes)
    grid = grid_of(tempos, steps_per_quarter=steps_per_quarter)
    assert grid.to_seconds(grid.to_steps(seconds)) == pytest.approx(seconds, abs=1e-9)


def test_bar_lines_follow_meter_changes():
    # 4/4 for one bar (16 steps), 3/4 from 2 s (12 steps per bar), 6/8 from 3.5 s (12 steps per bar)
    meters = (TimeSignature(0.0, 4, 4), TimeSignature(2.0, 3, 4), TimeSignature(3.5, 6, 8))
    grid = grid_of((TempoChange(0.0, 120.0),), meters)
    assert grid.meter_steps == ((0, 4, 4), (16, 3, 4), (28, 6, 8))
    assert grid.bar_starts(60) == [0, 16, 28, 40, 52]
    assert grid.meter_at(30) == (6, 8) and grid.steps_per_bar_at(30) == 12


def test_a_meter_change_inside_a_bar_starts_a_new_bar():
    grid = grid_of((TempoChange(0.0, 120.0),), (TimeSignature(0.0, 4, 4), TimeSignature(1.0, 2, 4)))
    assert grid.bar_starts(24) == [0, 8, 16]
