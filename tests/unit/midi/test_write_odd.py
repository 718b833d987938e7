"""Cases the MIDI fuzz test found: names beyond latin-1, gaps longer than a delta time, ticks past 2**31."""

from __future__ import annotations

import struct

import pytest

from rnnmusic.errors import MidiFileError
from rnnmusic.midi.read import read_midi, read_midi_bytes, read_text_events
from rnnmusic.midi.write import sequence_to_midi_bytes, write_midi
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


def test_events_past_tick_2_31_read_the_same_on_both_paths():
    # symusic counts ticks in 32 bits: a tempo 2.4e9 ticks in once came back at a negative tick
    tempo = b"\xff\x51\x03" + (500_000).to_bytes(3, "big")
    body = b"\x00\xff\x51\x03\x00\x00\x3c" + b"\x00\x90\x3c\x40\x10\x80\x3c\x00"  # 1,000,000 qpm; a note
    body += b"\xff\xff\xff\x7f\xff\x7f\x00" * 9 + b"\x00" + tempo + b"\x00\xff\x2f\x00"  # 9 * (2**28 - 1) ticks on
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 4320) + b"MTrk" + struct.pack(">I", len(body)) + body
    seq, exact = read_midi_bytes(data), read_midi_bytes(data, exact=True)
    assert seq.tempos == exact.tempos
    assert [round(t.time, 3) for t in seq.tempos] == [0.0, round(9 * (2**28 - 1) / 4320 * 60 / 1e6, 3)]


def test_a_pitch_stacked_across_a_program_change_reads_the_same_on_both_paths():
    # pitch 84 struck on program 0, the program changes, 84 struck again, then two note-offs: the
    # first ends both (pretty_midi's rule); symusic, which files the notes under two programs, paired one
    body = b"\x00\xc0\x00\x00\x90\x54\x40" + b"\x0a\xc0\x25" + b"\x0a\x90\x54\x40" + b"\x0a\x80\x54\x00"
    body += b"\x0a\x80\x54\x00\x00\xff\x2f\x00"
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 10) + b"MTrk" + struct.pack(">I", len(body)) + body
    seq = read_midi_bytes(data)
    assert seq.same_music(read_midi_bytes(data, exact=True))
    assert [(n.program, n.start, n.end) for n in seq.iter_notes()] == [(0, 0.0, 1.5), (37, 1.0, 1.5)]


@pytest.mark.parametrize("event", [b"\x00\xe0\x10\xc0", b"\x00\xa0\x3c\xc0", b"\x00\xd0\xc0"])
def test_a_data_byte_above_127_in_a_skipped_message_is_skipped_on_both_paths(event):
    body = b"\x00\x90\x3c\x40" + event + b"\x10\x80\x3c\x00\x00\xff\x2f\x00"  # pitch bend, aftertouch, pressure
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(body)) + body
    fast, exact = read_midi_bytes(data), read_midi_bytes(data, exact=True)
    assert [(n.pitch, n.end) for n in fast.iter_notes()] == [(60, 16 / 96 * 0.5)]
    assert fast.same_music(exact)


def test_track_names_that_are_not_utf8_read_the_same_on_both_paths():
    name = b"h\xe2\x82:B\xff"  # a cut-off three-byte character and a byte that is never UTF-8
    body = b"\x00\xff\x03" + bytes((len(name),)) + name + b"\x00\x90\x3c\x40\x10\x80\x3c\x00\x00\xff\x2f\x00"
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(body)) + body
    assert read_midi_bytes(data).tracks == read_midi_bytes(data, exact=True).tracks == (Track("h:B", 0, False),)


@pytest.mark.parametrize("names", [[b"Piano", b""], [b"Piano", b"\xff"], [b"Piano", b"Sax"]])
def test_the_last_track_name_wins_on_both_paths_even_an_empty_one(names):
    body = b"".join(b"\x00\xff\x03" + bytes((len(n),)) + n for n in names)
    body += b"\x00\x90\x3c\x40\x10\x80\x3c\x00\x00\xff\x2f\x00"
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(body)) + body
    last = names[-1].decode("utf-8", errors="ignore")
    assert read_midi_bytes(data).tracks == read_midi_bytes(data, exact=True).tracks == (Track(last, 0, False),)


@pytest.mark.parametrize("event", [
    b"\x00\xff\x51\x04\x09\x27\xc0\x05",  # a tempo of 4 bytes: its first 3 count (600,000 us, 100 qpm)
    b"\x00\xff\x51\x02\x09\x27",  # a tempo of 2 bytes: the byte after it lends the third
    b"\x00\xff\x59\x03\x03\x01\x07",  # a key of 3 bytes: its first 2 count (3 sharps, minor)
    b"\x00\xff\x59\x01\x03",  # a key of 1 byte: mode from the byte after it
    b"\x00\xff\x58\x01\x03",  # a meter of 1 byte: denominator from the byte after it
])
def test_meta_events_of_odd_lengths_read_the_same_on_both_paths(event):
    body = event + b"\x00\x90\x3c\x40\x60\x80\x3c\x00\x00\xff\x2f\x00"
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(body)) + body
    fast, exact = read_midi_bytes(data), read_midi_bytes(data, exact=True)
    assert (fast.tempos, fast.key_signatures, fast.time_signatures) == (
        exact.tempos, exact.key_signatures, exact.time_signatures)
    assert fast.same_music(exact)


def test_a_sysex_escape_event_is_skipped_by_its_length():
    # F7, a length and that many bytes (a sysex packet or an escape): symusic read the bytes as delta
    # times and moved every later note
    body = b"\x00\x90\x3c\x40\x10\x80\x3c\x00" + b"\x00\xf7\x03\x01\x02\x03" + b"\x00\x90\x3e\x40\x10\x80\x3e\x00"
    body += b"\x00\xff\x2f\x00"
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(body)) + body
    fast, exact = read_midi_bytes(data), read_midi_bytes(data, exact=True)
    assert [(n.pitch, n.start) for n in fast.iter_notes()] == [(60, 0.0), (62, 16 / 96 * 0.5)]
    assert fast.same_music(exact)


@pytest.mark.parametrize("odd", [b"\x00\xf2\x03\x05\x10\x72", b"\x00\xf1\x03\x10\x72", b"\x00\xf6\x10\x72"])
def test_a_system_message_in_a_track_reads_the_same_on_both_paths(odd):
    # no place in a file: the exact reader reads it by the MIDI standard (it ends running status, so a
    # data byte after it is refused), where symusic took it as a running status
    body = odd + b"\x00\x90\x3c\x40\x10\x80\x3c\x00\x00\xff\x2f\x00"
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(body)) + body
    with pytest.raises(MidiFileError, match="without a status byte"):
        read_midi_bytes(data, exact=True)
    with pytest.raises(MidiFileError, match="without a status byte"):
        read_midi_bytes(data)


@pytest.mark.parametrize("power", [2, 7, 9, 36, 228])
def test_a_meter_denominator_reads_the_same_on_both_paths_whatever_its_power(power):
    body = b"\x00\xff\x58\x04\x03" + bytes((power,)) + b"\x18\x08\x00\x90\x3c\x40\x10\x80\x3c\x00\x00\xff\x2f\x00"
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(body)) + body
    assert read_midi_bytes(data).time_signatures == read_midi_bytes(data, exact=True).time_signatures
