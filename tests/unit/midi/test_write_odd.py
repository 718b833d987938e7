"""The writer takes whatever the reader gives (cases the MIDI fuzz test found): names beyond latin-1, long gaps."""

from __future__ import annotations

from rnnmusic.midi_io import read_midi, read_midi_bytes, read_text_events, sequence_to_midi_bytes, write_midi
from rnnmusic.notes import Note, NoteSequence, TempoChange, Track, make_notes


def test_track_names_and_text_beyond_latin_1_are_written_as_utf8(tmp_path):
    seq = NoteSequence(notes=make_notes([Note(60, 80, 0.0, 0.5)]), tracks=(Track("Сопрано ✓", 0, False),))
    path = write_midi(seq, tmp_path / "x.mid", text_events=["seed: café.mid, 風"])
    again = read_midi(path)
    assert again.tracks[0].name == "Сопрано ✓"
    assert read_text_events(path) == ["seed: café.mid, 風"]


def test_a_gap_longer_than_a_delta_time_holds_is_bridged():
    # 60,000 qpm at the writer's finest resolution: 20 minutes of silence is far more than 2**28 - 1 ticks
    notes = make_notes([Note(60, 80, 0.0, 0.5), Note(62, 80, 1200.0, 1200.5)])
    seq = NoteSequence(notes=notes, tempos=(TempoChange(0.0, 2.0), TempoChange(0.25, 60_000.0)))
    again = read_midi_bytes(sequence_to_midi_bytes(seq))
    assert again.same_music(seq, tolerance=1e-3)
