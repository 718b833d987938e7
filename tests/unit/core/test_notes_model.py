"""The NoteSequence value: immutable, sorted, always with a tempo and a meter."""

from __future__ import annotations

import numpy as np
import pytest

from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, make_notes


def test_notes_are_sorted_and_read_only():
    seq = NoteSequence(notes=make_notes([Note(64, 80, 1.0, 2.0), Note(60, 80, 0.0, 1.0)]))
    assert seq.notes["pitch"].tolist() == [60, 64]
    with pytest.raises(ValueError):
        seq.notes["pitch"][0] = 1


def test_tempo_and_meter_defaults_are_anchored_at_zero():
    seq = NoteSequence(tempos=(TempoChange(2.0, 90.0),), time_signatures=(TimeSignature(1.0, 3, 4),))
    assert seq.tempos[0] == TempoChange(0.0, 90.0)
    assert seq.time_signatures[0].time == 0.0 and seq.time_signatures[0].numerator == 3


def test_total_time_covers_the_last_note_and_same_music_compares_notes():
    a = NoteSequence(notes=make_notes([Note(60, 80, 0.0, 1.5)]))
    assert a.total_time == 1.5
    b = a.with_notes([Note(60, 80, 0.0, 1.5 + 1e-9)])
    assert a.same_music(b)
    assert not a.same_music(a.with_notes([Note(61, 80, 0.0, 1.5)]))


def test_iter_notes_gives_plain_values():
    seq = NoteSequence(notes=make_notes([Note(60, 100, 0.0, 0.5, program=5, is_drum=False, track=2)]))
    (note,) = list(seq.iter_notes())
    assert note == Note(60, 100, 0.0, 0.5, 5, False, 2)
    assert isinstance(note.pitch, int) and not isinstance(note.pitch, np.integer)
