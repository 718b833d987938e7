"""Bad input raises one error type, MidiFileError, whose message names the file and the reason."""

from __future__ import annotations

import struct

import pytest

from rnnmusic.errors import MidiFileError, RnnmusicError
from rnnmusic.midi.read import read_midi, read_midi_bytes, read_text_events

REASONS = {
    "empty.mid": "is empty (0 bytes)",
    "random.mid": "is not a Standard MIDI File",
    "truncated.mid": "is truncated",
    "no_notes.mid": "has no notes",
    "absurd_ticks.mid": "has absurd event times",
    "bad_header.mid": "has an invalid header (format 7",
    "garbage_track.mid": "is corrupt (track 1: data byte 0x3C without a status byte)",
}


@pytest.mark.parametrize("name", sorted(REASONS))
def test_each_broken_file_names_itself_and_the_reason(data_dir, name):
    path = data_dir / "broken" / name
    with pytest.raises(MidiFileError) as caught:
        read_midi(path)
    assert caught.value.path == str(path)
    assert REASONS[name] in caught.value.reason
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, RnnmusicError)


def test_every_broken_file_has_a_reason_here(data_dir):
    assert {p.name for p in (data_dir / "broken").iterdir()} == set(REASONS)


def test_a_directory_and_a_missing_file(tmp_path):
    with pytest.raises(MidiFileError, match="is a directory"):
        read_midi(tmp_path)
    with pytest.raises(MidiFileError, match=r"nothing\.mid: no such file"):
        read_midi(tmp_path / "nothing.mid")


def test_no_notes_is_allowed_when_asked(data_dir):
    seq = read_midi(data_dir / "broken" / "no_notes.mid", require_notes=False)
    assert len(seq) == 0 and seq.time_signatures[0].numerator == 3


def _file(body: bytes, fmt: int = 0, tracks: int = 1, division: int = 480) -> bytes:
    return b"MThd" + struct.pack(">IHHH", 6, fmt, tracks, division) + b"MTrk" + struct.pack(">I", len(body)) + body


NOTE = b"\x00\x90\x3c\x40\x60\x80\x3c\x00\x00\xff\x2f\x00"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"MThd\x00\x00", "is truncated (the header needs 14 bytes"),
        (b"MThd" + struct.pack(">IHHH", 2, 0, 1, 480), "has an invalid header (header length 2)"),
        (_file(NOTE, division=0), "0 ticks per quarter"),
        (_file(NOTE, division=0xE728), "SMPTE time division"),
        (_file(NOTE, tracks=2), "declares 2 tracks, the file holds 1"),
        (_file(b"\x00\x90\x3c"), "ends inside an event"),
        (_file(b"\x00\xff\x03\x20abc"), "ends inside an event"),  # a track name 32 bytes long, 3 there
        (_file(b"\x00\x90\x3c\xc0\x00\xff\x2f\x00"), "a data byte above 127"),
        (_file(b"\x00\xf4\x00\xff\x2f\x00"), "undefined status byte 0xF4"),
        (_file(b"\xff\xff\xff\xff\x7f\x90\x3c\x40\x00\xff\x2f\x00"), "longer than 4 bytes"),
        (b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"\x00\x01junkjunk", "is corrupt (no track header at byte 14)"),
    ],
)
def test_malformed_bytes(data, reason):
    with pytest.raises(MidiFileError) as caught:
        read_midi_bytes(data, source="song.mid")
    assert caught.value.path == "song.mid"
    assert reason in caught.value.reason


def test_stray_system_messages_are_skipped_by_both_readers():
    from rnnmusic.midi.parse import read_exact

    body = b"\x00\x90\x3c\x40\x00\xf3\x01\x00\xf8\x60\x80\x3c\x00\x00\xff\x2f\x00"  # song select, clock
    (note,) = read_midi_bytes(_file(body)).iter_notes()
    assert (note.pitch, note.end) == (60, 0.1)
    assert read_exact([body], 480, "x").notes.T.tolist() == [[0, 96, 60, 64, 0]]


def test_unknown_chunks_are_skipped():
    alien = b"XFIH" + struct.pack(">I", 3) + b"abc"
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + alien + b"MTrk" + struct.pack(">I", len(NOTE)) + NOTE
    (note,) = read_midi_bytes(data).iter_notes()
    assert (note.pitch, note.start, note.end) == (60, 0.0, 0.1)


def test_text_events_of_a_broken_file(data_dir):
    # the text events are read by the same checks as the notes, so the same file gets the same error
    path = data_dir / "broken" / "random.mid"
    with pytest.raises(MidiFileError) as notes_error:
        read_midi(path)
    with pytest.raises(MidiFileError, match="random.mid: is not a Standard MIDI File") as texts_error:
        read_text_events(path)
    assert str(texts_error.value) == str(notes_error.value)
