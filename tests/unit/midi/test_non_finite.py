"""No NaN or infinity gets past the NoteSequence boundary, and the writer writes only what MIDI can hold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnmusic.errors import SequenceError
from rnnmusic.midi.read import read_midi_bytes
from rnnmusic.midi.write import sequence_to_midi_bytes
from rnnmusic.notes import ControlChange, Note, NoteSequence, TempoChange, TimeSignature, make_notes

NOTES = make_notes([Note(60, 80, 0.0, 0.5), Note(62, 80, 0.5, 1.0)])


@pytest.mark.parametrize("qpm", [math.inf, math.nan, 0.0, -120.0])
def test_a_tempo_that_is_not_finite_and_positive_is_refused(qpm):
    with pytest.raises(SequenceError, match=r"^song\.mid: has an invalid tempo"):
        NoteSequence(notes=NOTES, tempos=(TempoChange(0.0, 120.0), TempoChange(1.0, qpm)), source="song.mid")


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_note_at_a_time_that_is_not_finite_is_refused(field, value):
    notes = np.array(NOTES)
    notes[field][1] = value
    with pytest.raises(SequenceError, match="note at a time that is not a finite number"):
        NoteSequence(notes=notes)


def test_other_events_at_non_finite_times_are_refused():
    with pytest.raises(SequenceError, match="event at a time"):
        NoteSequence(notes=NOTES, control_changes=(ControlChange(math.nan, 64, 127),))
    with pytest.raises(SequenceError, match="invalid tempo"):
        NoteSequence(notes=NOTES, tempos=(TempoChange(math.nan, 120.0),))
    with pytest.raises(SequenceError, match="invalid meter"):
        NoteSequence(notes=NOTES, time_signatures=(TimeSignature(math.inf, 3, 4),))


@pytest.mark.parametrize("qpm", [1.0, 3.0, 1e8])
def test_tempos_beyond_what_midi_holds_are_written_at_the_nearest_it_holds(qpm):
    # MIDI holds 1 .. 16,777,215 us per quarter (3.58 .. 60,000,000 qpm); times in seconds survive
    seq = NoteSequence(notes=NOTES, tempos=(TempoChange(0.0, qpm),))
    again = read_midi_bytes(sequence_to_midi_bytes(seq))
    assert again.same_music(seq, tolerance=1e-3)
    assert 60e6 / 0xFFFFFF <= again.qpm <= 60e6


def test_notes_before_time_0_are_written_at_time_0():
    seq = NoteSequence(notes=make_notes([Note(60, 80, -0.5, 0.5), Note(62, 80, 0.5, 1.0)]))
    again = read_midi_bytes(sequence_to_midi_bytes(seq))
    assert [(n.pitch, round(n.start, 3), round(n.end, 3)) for n in again.iter_notes()] == [(60, 0, 0.5), (62, 0.5, 1)]
