"""The pure transforms: quantize, apply_sustain, transpose, trim, split_bars, select_tracks."""

from __future__ import annotations

import numpy as np
import pytest

from rnnmusic.errors import ConfigError
from rnnmusic.grid import StepGrid
from rnnmusic.midi.read import read_midi
from rnnmusic.notes import (
    ControlChange,
    KeySignature,
    Note,
    NoteSequence,
    TempoChange,
    TimeSignature,
    Track,
    make_notes,
)
from rnnmusic.transforms import apply_sustain, bar_times, quantize, select_tracks, split_bars, transpose, trim


def rows(seq, digits=4):
    return [(n.pitch, round(n.start, digits), round(n.end, digits)) for n in seq.iter_notes()]


def seq_of(notes, **fields) -> NoteSequence:
    return NoteSequence(notes=make_notes(notes), **fields)


# -- quantize


def test_quantize_snaps_to_sixteenths_of_each_tempo():
    # 120 qpm for 2 s (a sixteenth is 0.125 s), then 60 qpm (a sixteenth is 0.25 s)
    seq = seq_of(
        [Note(60, 80, 0.06, 0.49), Note(62, 80, 2.13, 2.37), Note(64, 80, 3.01, 3.02)],
        tempos=(TempoChange(0.0, 120.0), TempoChange(2.0, 60.0)),
    )
    assert rows(quantize(seq)) == [(60, 0.0, 0.5), (62, 2.25, 2.5), (64, 3.0, 3.25)]  # 64 collapsed: one step


def test_quantize_triplet_grids(data_dir):
    seq = read_midi(data_dir / "minor_key_triplets.mid")  # eighth-note triplets
    for steps in (3, 6, 12):
        assert quantize(seq, steps).same_music(seq, tolerance=1e-9)
    sixteenths = quantize(seq, 4)
    assert not sixteenths.same_music(seq, tolerance=1e-3)
    grid = StepGrid.for_sequence(seq, 4)
    steps = grid.to_steps(sixteenths.notes["start"])
    assert np.allclose(steps, np.round(steps))


def test_quantize_is_idempotent_and_keeps_every_note(data_dir):
    for name in ("tempo_changes.mid", "meter_changes.mid", "sustain.mid", "format0_multichannel.mid"):
        seq = read_midi(data_dir / name)
        once = quantize(seq, 4)
        assert len(once) == len(seq)
        assert quantize(once, 4).same_music(once, tolerance=1e-9)


def test_quantize_moves_controls_too():
    seq = seq_of([Note(60, 80, 0.0, 1.0)], control_changes=(ControlChange(0.49, 64, 127),))
    assert quantize(seq).control_changes[0].time == 0.5


# -- apply_sustain


def test_sustain_holds_notes_to_the_pedal_release_and_a_restrike_ends_them(data_dir):
    seq = apply_sustain(read_midi(data_dir / "sustain.mid"))
    up1, up2 = 2.0 - 10 / 960, 4.0 - 10 / 960
    assert rows(seq, 6) == [
        (60, 0.0, 1.0),  # struck again at 1.0 under the pedal
        (64, 0.25, round(up1, 6)),
        (67, 0.5, round(up1, 6)),
        (60, 1.0, round(up1, 6)),
        (62, 2.0, round(up2, 6)),
        (65, 2.25, round(up2, 6)),
        (69, 3.0, round(up2, 6)),
        (48, 4.0, 4.5),  # after the pedal: unchanged
    ]
    assert apply_sustain(seq).same_music(seq, tolerance=0)


def test_sustain_is_per_track_never_shortens_and_an_unreleased_pedal_holds_to_the_end():
    seq = seq_of(
        [
            Note(60, 80, 0.0, 0.5, track=0),
            Note(72, 80, 0.0, 3.0, track=0),  # ends after the release: unchanged
            Note(48, 80, 0.0, 0.5, track=1),  # another track: its own pedal
            Note(50, 80, 4.0, 4.5, track=1),
            Note(52, 80, 5.0, 6.0, track=1),
        ],
        control_changes=(ControlChange(0.2, 64, 100, 0), ControlChange(2.0, 64, 0, 0), ControlChange(4.2, 64, 64, 1)),
    )
    assert rows(apply_sustain(seq)) == [(48, 0.0, 0.5), (60, 0.0, 2.0), (72, 0.0, 3.0), (50, 4.0, 6.0), (52, 5.0, 6.0)]


# -- transpose


def test_transpose_moves_pitched_notes_and_keys_but_not_drums(data_dir):
    seq = read_midi(data_dir / "drums.mid")
    up, dropped = transpose(seq, 5)
    assert dropped == 0
    drums = seq.notes["is_drum"]
    assert np.array_equal(np.sort(up.notes["pitch"][up.notes["is_drum"]]), np.sort(seq.notes["pitch"][drums]))
    assert sorted(up.notes["pitch"][~up.notes["is_drum"]].tolist()) == sorted((seq.notes["pitch"][~drums] + 5).tolist())
    keyed = read_midi(data_dir / "format1_piano.mid")  # G major
    assert transpose(keyed, -2)[0].key_signatures == (KeySignature(0.0, 5, False),)  # F major


def test_transpose_drops_and_counts_notes_leaving_the_range():
    seq = seq_of([Note(100, 80, 0.0, 1.0), Note(120, 80, 1.0, 2.0), Note(35, 80, 0.0, 1.0, is_drum=True, track=1)])
    up, dropped = transpose(seq, 10)
    assert dropped == 1 and sorted(up.notes["pitch"].tolist()) == [35, 110]
    narrow, dropped = transpose(seq, 0, min_pitch=48, max_pitch=108)
    assert dropped == 1 and len(narrow) == 2  # the drum is never out of range


# -- trim and split_bars


def test_trim_moves_a_window_to_zero_and_carries_what_is_in_force():
    seq = seq_of(
        [Note(60, 80, 0.5, 1.5), Note(62, 80, 1.0, 3.0), Note(64, 80, 2.5, 2.75), Note(65, 80, 3.5, 4.0)],
        tempos=(TempoChange(0.0, 100.0), TempoChange(2.0, 80.0)),
        time_signatures=(TimeSignature(0.0, 3, 4),),
        key_signatures=(KeySignature(0.0, 2, False),),
        control_changes=(ControlChange(0.2, 64, 127), ControlChange(2.6, 64, 0)),
    )
    part = trim(seq, 1.0, 3.0)
    assert rows(part) == [(62, 0.0, 2.0), (64, 1.5, 1.75)]  # 60 began before the window
    assert part.tempos == (TempoChange(0.0, 100.0), TempoChange(1.0, 80.0))
    assert part.time_signatures == (TimeSignature(0.0, 3, 4),) and part.key_signatures[0].key == 2
    assert [(c.time, c.value) for c in part.control_changes] == [(0.0, 127), (pytest.approx(1.6), 0)]
    assert part.total_time == 2.0
    with pytest.raises(ValueError):
        trim(seq, 2.0, 1.0)


def test_split_bars_follows_a_meter_change_and_a_tempo_change(data_dir):
    seq = read_midi(data_dir / "meter_changes.mid")  # a 4/4 bar at 120, a 3/4 bar at 100, then 6/8
    assert bar_times(seq) == pytest.approx([0.0, 2.0, 3.8, 5.6, 7.4])
    bars = split_bars(seq)
    assert [len(b) for b in bars] == [4, 3, 6, 6]
    assert [b.time_signatures[0].numerator for b in bars] == [4, 3, 6, 6]
    assert [b.qpm for b in bars] == [120.0, 100.0, 100.0, 100.0]
    assert all(b.notes["start"].min() == 0.0 for b in bars)
    assert [len(b) for b in split_bars(seq, bars_per_chunk=3)] == [13, 6]


def test_split_bars_with_a_pickup_bar(data_dir):
    bars = split_bars(read_midi(data_dir / "pickup.mid"))  # a 1/4 pickup, then 3/4 at 132 qpm
    assert [len(b) for b in bars] == [1, 3, 2, 2, 1]
    assert bars[0].total_time == pytest.approx(60 / 132)
    assert bars[1].total_time == pytest.approx(3 * 60 / 132)


def test_split_bars_over_tempo_changes_keeps_every_note_once(data_dir):
    seq = read_midi(data_dir / "tempo_changes.mid")
    bars = split_bars(seq)
    assert [len(b) for b in bars] == [4, 4, 4, 4]
    assert sum(len(b) for b in bars) == len(seq)
    assert bars[2].tempos[0].qpm == 60.0 and bars[2].tempos[1] == TempoChange(pytest.approx(0.5), 150.0)


def test_a_note_across_a_bar_line_is_cut_and_a_rest_bar_is_kept():
    seq = seq_of([Note(60, 80, 1.5, 2.5), Note(62, 80, 4.0, 4.5)])  # 120 qpm 4/4: bars of 2 s
    bars = split_bars(seq)
    assert [rows(b) for b in bars] == [[(60, 1.5, 2.0)], [], [(62, 0.0, 0.5)]]


# -- select_tracks


def test_select_tracks_renumbers_in_the_order_given(data_dir):
    seq = read_midi(data_dir / "format0_multichannel.mid")  # tracks: channel 1, channel 2, drums
    picked = select_tracks(seq, [2, 0])
    assert picked.tracks == (Track("band", 0, True), Track("band", 0, False))
    assert len(picked) == 16 + 8 and set(picked.notes["track"].tolist()) == {0, 1}
    assert bool(picked.notes["is_drum"][picked.notes["track"] == 0].all())


def test_select_tracks_keeps_their_controls_and_refuses_unknown_tracks(data_dir):
    seq = seq_of(
        [Note(60, 80, 0.0, 1.0, track=0), Note(62, 80, 0.0, 1.0, track=1)],
        control_changes=(ControlChange(0.0, 64, 127, 0), ControlChange(0.0, 64, 127, 1)),
    )
    only = select_tracks(seq, [1])
    assert rows(only) == [(62, 0.0, 1.0)] and only.control_changes == (ControlChange(0.0, 64, 127, 0),)
    with pytest.raises(ConfigError, match="no track 2; this piece has tracks 0 to 1"):
        select_tracks(seq, [2])
