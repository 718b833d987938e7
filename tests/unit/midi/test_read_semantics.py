"""What reading each test file gives, spelled out: times in seconds, tracks, tempos, meters, keys, pedals."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from midi_data import readable_files

from rnnmusic.midi import read as midi_read
from rnnmusic.midi.read import read_midi, read_text_events
from rnnmusic.notes import KeySignature, NoteSequence, TempoChange, TimeSignature, Track


def notes_of(seq, pitch):
    return sorted((round(n.start, 6), round(n.end, 6), n.velocity) for n in seq.iter_notes() if n.pitch == pitch)


def test_overlapping_notes_of_one_pitch_end_at_the_first_note_off(data_dir):
    seq = read_midi(data_dir / "overlapping.mid")  # 120 qpm, 480 ticks per quarter: 1 tick = 1/960 s
    assert notes_of(seq, 60) == [(0.0, 0.5, 90), (0.25, 0.5, 70)]
    assert notes_of(seq, 62) == [(1.0, 1.25, 70), (1.0, 1.25, 90)]
    assert notes_of(seq, 64) == [(2.0, 2.5, 80), (2.5, 3.0, 60)]  # repeated note: not stacked


def test_unpaired_note_ons_and_note_offs(data_dir):
    seq = read_midi(data_dir / "unpaired.mid")
    assert notes_of(seq, 60) == [(0.0, 0.5, 90), (0.25, 0.5, 70)]
    assert notes_of(seq, 62) == [(1.0, 1.5, 70), (1.0, 1.5, 90)]
    assert notes_of(seq, 64) == []  # never ended
    assert notes_of(seq, 65) == []  # a note-off alone
    assert notes_of(seq, 67) == [(2.5, 3.0, 80)]


def test_zero_length_notes_are_dropped(data_dir):
    seq = read_midi(data_dir / "zero_length.mid")
    assert notes_of(seq, 64) == [] and notes_of(seq, 65) == []
    assert notes_of(seq, 67) == [(1.25, 1.5, 80)]  # the same pitch struck again at that tick, with a length
    assert len(seq) == 3


def test_running_status(data_dir):
    seq = read_midi(data_dir / "running_status.mid")
    assert [(n.pitch, n.start, n.end) for n in seq.iter_notes()] == [
        (60, 0.0, 0.5),
        (62, 0.5, 1.0),
        (64, 1.0, 2.0),
        (67, 1.0, 2.0),
    ]
    assert [(c.time, c.number, c.value) for c in seq.control_changes] == [(1.0, 64, 127), (1.0, 64, 0)]


def test_format0_splits_channels_into_tracks_like_pretty_midi_instruments(data_dir):
    seq = read_midi(data_dir / "format0_multichannel.mid")
    # one MIDI track, three channels: listed by channel (1, 2, then 10 = drums)
    assert seq.tracks == (Track("band", 0, False), Track("band", 32, False), Track("band", 0, True))
    counts = [int((seq.notes["track"] == i).sum()) for i in range(3)]
    assert counts == [8, 4, 16]
    drums = seq.notes[seq.notes["is_drum"]]
    assert set(drums["pitch"].tolist()) == {36, 38, 42} and set(drums["track"].tolist()) == {2}


def test_format1_tracks_names_and_key(data_dir):
    seq = read_midi(data_dir / "format1_piano.mid")
    assert [t.name for t in seq.tracks] == ["right hand", "left hand"]  # the note-less conductor is no track
    assert seq.key_signatures == (KeySignature(0.0, 7, False),)
    assert seq.qpm == pytest.approx(90.0, abs=1e-3)
    assert read_text_events(data_dir / "format1_piano.mid") == ["test piece"]


def test_drums_on_channel_10_keep_their_program(data_dir):
    seq = read_midi(data_dir / "drums.mid")
    assert seq.tracks == (Track("drums", 25, True), Track("bass", 33, False))
    kit, bass = seq.notes[seq.notes["track"] == 0], seq.notes[seq.notes["track"] == 1]
    assert bool(kit["is_drum"].all()) and set(kit["pitch"].tolist()) == {36, 38, 42}
    assert not bool(bass["is_drum"].any()) and bass["pitch"].tolist() == [36, 43, 41, 43]


def test_tempo_changes_map_ticks_to_seconds(data_dir):
    seq = read_midi(data_dir / "tempo_changes.mid")
    # 120 qpm for a bar (2 s), 60 qpm for 4.5 beats (4.5 s), 150 qpm for 3.5 beats (1.4 s), then 90
    tempos = [(round(t.time, 6), round(t.qpm, 3)) for t in seq.tempos]
    assert tempos == [(0.0, 120.0), (2.0, 60.0), (6.5, 150.0), (7.9, 90.0)]
    starts = [round(n.start, 6) for n in seq.iter_notes()]
    expected = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 6.7, 7.1, 7.5, 7.9, 7.9 + 2 / 3, 7.9 + 4 / 3, 9.9]
    assert starts == pytest.approx(expected, abs=1e-5)  # 90 qpm is stored as 666,667 us per quarter
    assert notes_of(seq, 68) == [(6.0, 6.7, 80)]  # the tempo changes half way through this note


def test_meter_changes_and_missing_tempo(data_dir):
    seq = read_midi(data_dir / "meter_changes.mid")
    assert seq.time_signatures == (TimeSignature(0.0, 4, 4), TimeSignature(2.0, 3, 4), TimeSignature(3.8, 6, 8))
    plain = read_midi(data_dir / "no_tempo.mid")
    assert plain.tempos == (TempoChange(0.0, 120.0),) and plain.time_signatures == (TimeSignature(0.0, 4, 4),)
    assert [n.end for n in plain.iter_notes()] == [0.5, 1.0, 2.0]


def test_minor_keys_and_pickup_meters(data_dir):
    assert read_midi(data_dir / "minor_key_triplets.mid").key_signatures == (KeySignature(0.0, 9, True),)
    seq = read_midi(data_dir / "pickup.mid")
    assert [(m.numerator, m.denominator) for m in seq.time_signatures] == [(1, 4), (3, 4)]
    assert seq.key_signatures == (KeySignature(0.0, 5, False),)


def test_sustain_pedal_events_belong_to_their_track(data_dir):
    seq = read_midi(data_dir / "sustain.mid")
    assert [(c.time, c.number, c.value, c.track) for c in seq.control_changes] == [
        (0.0, 64, 127, 0),
        (pytest.approx(2.0 - 10 / 960), 64, 0, 0),
        (2.0, 64, 100, 0),
        (pytest.approx(4.0 - 10 / 960), 64, 0, 0),
    ]


def test_typical_files_take_the_fast_path_and_stacked_ones_the_exact_one(data_dir, monkeypatch):
    calls = []
    real = midi_read.read_exact
    monkeypatch.setattr(midi_read, "read_exact", lambda *a: calls.append(a) or real(*a))
    for name in ("format1_piano.mid", "format0_multichannel.mid", "tempo_changes.mid", "sustain.mid", "drums.mid"):
        read_midi(data_dir / name)
    assert calls == []
    for name in ("overlapping.mid", "unpaired.mid", "zero_length.mid"):
        read_midi(data_dir / name)
    assert len(calls) == 3


def test_bytes_and_paths_read_the_same(data_dir):
    path = data_dir / "drums.mid"
    assert midi_read.read_midi_bytes(path.read_bytes(), source="x").same_music(read_midi(path))
    assert read_midi(path).source == str(path)


@pytest.mark.parametrize("path", readable_files(), ids=lambda p: p.name)
def test_notes_come_in_the_order_note_sequence_keeps(path):
    # the reader sorts notes itself to spare NoteSequence the work: it must be NoteSequence's order
    seq = read_midi(path)
    assert np.array_equal(seq.notes, NoteSequence(notes=seq.notes.copy()).notes)


def test_huge_tick_values_that_are_not_absurd():
    # 32,000 ticks per quarter at 500 qpm: tick 2**28 is only 17 minutes in
    body = b"\x00\xff\x51\x03\x01\xd4\xc0" + b"\x00\x90\x3c\x40\x81\x80\x00\x3e\x40"  # tempo 120000 us; C4, D4
    body += b"\xff\xff\xff\x7f\x3c\x00\x01\x3e\x00\x00\xff\x2f\x00"  # both end after 2**28 ticks
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 32000) + b"MTrk" + struct.pack(">I", len(body)) + body
    seq = midi_read.read_midi_bytes(data)
    assert [n.pitch for n in seq.iter_notes()] == [60, 62]
    assert seq.notes["end"][0] == pytest.approx((2**28 - 1 + 16384) * 0.12 / 32000)
    assert np.array_equal(seq.notes, NoteSequence(notes=seq.notes.copy()).notes)


def _tempo_file(tempos_at_zero: list[float], more_tracks: int = 0) -> bytes:
    import io

    import mido

    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    conductor = mido.MidiTrack(mido.MetaMessage("set_tempo", tempo=round(60e6 / q)) for q in tempos_at_zero)
    midi.tracks.append(conductor)
    notes = mido.MidiTrack([mido.Message("note_on", note=60), mido.Message("note_on", note=60, velocity=0, time=480)])
    midi.tracks.append(notes)
    for _ in range(more_tracks):  # tracks repeating the meter, as many format-1 writers do
        midi.tracks.append(mido.MidiTrack([mido.MetaMessage("time_signature", numerator=3, denominator=4)]))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("tempos", [[120.0, 100.0], [100.0, 120.0], [float(q) for q in range(60, 200, 3)]])
def test_of_several_tempos_at_one_tick_the_last_wins(tempos):
    # (with many, symusic's own sort loses their order: the reader must still find the last)
    seq = midi_read.read_midi_bytes(_tempo_file(tempos))
    assert [round(t.qpm, 3) for t in seq.tempos] == [tempos[-1]]
    assert seq.notes["end"][0] == pytest.approx(60 / tempos[-1])


def test_repeated_meters_and_tempos_count_once():
    seq = midi_read.read_midi_bytes(_tempo_file([100.0, 100.0], more_tracks=3))
    assert seq.tempos == (TempoChange(0.0, 100.0),)
    assert seq.time_signatures == (TimeSignature(0.0, 3, 4),)
