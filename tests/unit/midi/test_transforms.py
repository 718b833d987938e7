"""The pure transforms: apply_sustain and trim (at_tempo is tested with the takes it serves)."""

from __future__ import annotations

import pytest

from rnnmusic.midi.read import read_midi
from rnnmusic.notes import (
    ControlChange,
    KeySignature,
    Note,
    NoteSequence,
    TempoChange,
    TimeSignature,
    make_notes,
)
from rnnmusic.transforms import apply_sustain, trim


def rows(seq, digits=4):
    return [(n.pitch, round(n.start, digits), round(n.end, digits)) for n in seq.iter_notes()]


def seq_of(notes, **fields) -> NoteSequence:
    return NoteSequence(notes=make_notes(notes), **fields)


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


# -- trim


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
