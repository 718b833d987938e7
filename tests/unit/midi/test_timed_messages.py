"""timed_messages: the channel messages of a written file, in the order and at the seconds a player sends them."""

from __future__ import annotations

import io

import mido
import pytest
from midi_data import readable_files

from rnnmusic.midi.read import read_midi
from rnnmusic.midi.write import sequence_to_midi_bytes, timed_messages
from rnnmusic.notes import Note, NoteSequence, TempoChange, make_notes


def _played_by_mido(seq: NoteSequence) -> list[tuple[float, bytes]]:
    """What mido, playing the saved bytes, sends: the reference timed_messages must match."""
    played, now = [], 0.0
    for message in mido.MidiFile(file=io.BytesIO(sequence_to_midi_bytes(seq))):
        now += message.time
        if not message.is_meta:
            played.append((now, bytes(message.bytes())))
    return played


def _assert_same(ours: list[tuple[float, bytes]], theirs: list[tuple[float, bytes]]) -> None:
    assert [m for _, m in ours] == [m for _, m in theirs]
    assert [t for t, _ in ours] == pytest.approx([t for t, _ in theirs], abs=1e-9)


@pytest.mark.parametrize("path", readable_files(), ids=lambda p: p.name)
def test_every_test_file_plays_as_its_saved_bytes(path):
    seq = read_midi(path)
    _assert_same(timed_messages(seq), _played_by_mido(seq))


def test_tempo_changes_move_the_later_messages():
    notes = make_notes([Note(60, 80, 0.0, 1.0), Note(62, 80, 2.0, 2.5), Note(64, 80, 2.0, 3.0, track=1)])
    seq = NoteSequence(notes=notes, tempos=(TempoChange(0.0, 120.0), TempoChange(1.5, 60.0)))
    ours = timed_messages(seq)
    _assert_same(ours, _played_by_mido(seq))
    ons = [(t, m[1]) for t, m in ours if m[0] & 0xF0 == 0x90]
    assert ons == [(0.0, 60), pytest.approx((2.0, 62), abs=1e-3), pytest.approx((2.0, 64), abs=1e-3)]
