"""What reading may cost: file size, notes, track-channels; and every way a too-long file comes in.

Each refusal is one line naming the file (exit status 1 in the CLI); `dataset build` skips and
lists such a file and goes on.
"""

from __future__ import annotations

import struct

import pytest
from midi_data import DATA

from rnnmusic.cli.main import main
from rnnmusic.errors import MidiFileError
from rnnmusic.midi import read as midi_read
from rnnmusic.midi.read import read_midi, read_midi_bytes

# one tick per quarter at 60,000 qpm and one note of 16,777,215 ticks: 4.7 hours, 67 million melody steps
LONG_NOTE = bytes.fromhex(
    "4d546864000000060000000100014d54726b0000001600ff51030003e800903c4087ffff7f803c0000ff2f00"
)


def test_a_file_larger_than_max_bytes_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.mid"
    with path.open("wb") as f:  # sparse: costs no disk
        f.write(b"MThd")
        f.truncate(midi_read.MAX_BYTES + 1)
    with pytest.raises(MidiFileError, match=r"huge\.mid: is too large \(8,388,609 bytes; rnnmusic reads MIDI"):
        read_midi(path)
    with pytest.raises(MidiFileError, match=r"^x\.mid: is too large"):
        read_midi_bytes(b"MThd" + bytes(midi_read.MAX_BYTES), source="x.mid")


@pytest.mark.parametrize("name", ["format1_piano.mid", "overlapping.mid"])  # the fast path, the exact path
def test_a_file_with_more_than_max_notes_is_refused_on_both_paths(name, monkeypatch):
    notes = len(read_midi(DATA / name))
    monkeypatch.setattr(midi_read, "MAX_NOTES", notes)
    assert len(read_midi(DATA / name)) == notes
    monkeypatch.setattr(midi_read, "MAX_NOTES", notes - 1)
    refusal = rf"{name}: has too many notes \(\d+.*; rnnmusic reads at most {notes - 1}\)$"
    with pytest.raises(MidiFileError, match=refusal):
        read_midi(DATA / name)


def _many_track_channels(tracks: int) -> bytes:
    """A format-1 file whose every track plays one note on each of the 16 channels."""
    body = b"".join(b"\x00" + bytes((0x90 | c, 60, 64)) for c in range(16))
    body += b"".join(bytes((0x10 if c == 0 else 0, 0x80 | c, 60, 0)) for c in range(16)) + b"\x00\xff\x2f\x00"
    track = b"MTrk" + struct.pack(">I", len(body)) + body
    return b"MThd" + struct.pack(">IHHH", 6, 1, tracks, 96) + track * tracks


def test_a_file_with_very_many_track_channels_is_read_by_the_exact_reader(monkeypatch):
    # symusic reserves some 8 kB per track-channel for the sentinel note-offs: 65,535 tracks of 16
    # channels (9 MB) once took 9 GB and a minute on the fast path
    calls = []
    real = midi_read.read_exact
    monkeypatch.setattr(midi_read, "read_exact", lambda *a: calls.append(a) or real(*a))
    few = read_midi_bytes(_many_track_channels(64))  # 1,024 track-channels: still the fast path
    assert calls == [] and len(few) == 1024
    many = read_midi_bytes(_many_track_channels(65))
    assert len(calls) == 1 and len(many) == 1040
    # 16 ticks at 96 per quarter, 120 qpm
    assert {(n.start, n.end) for n in many.iter_notes()} == {(0.0, 16 / 96 * 0.5)}


@pytest.fixture
def long_file(tmp_path):
    path = tmp_path / "long.mid"
    path.write_bytes(LONG_NOTE)
    return path


@pytest.mark.parametrize("encoding", ["melody", "polyphony", "drums"])
def test_info_refuses_the_44_byte_file_in_one_line(long_file, encoding, capsys):
    assert main(["info", str(long_file), "--encoding", encoding]) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"{long_file}: is too long for the {encoding} encoding (67,108,860 steps; at most 2,000,000)")
    assert len(err.splitlines()) == 1


def test_dataset_build_skips_and_lists_the_44_byte_file(long_file, tmp_path):
    from rnnmusic.training.dataset import build_dataset, summary_lines

    src = long_file.parent
    (src / "good.mid").write_bytes((DATA / "format1_piano.mid").read_bytes())
    manifest = build_dataset(src, tmp_path / "data", "melody", jobs=1)
    assert [f["path"] for f in manifest["files"]] == ["good.mid"]
    reason = "is too long for the melody encoding (67,108,860 steps; at most 2,000,000)"
    assert manifest["skipped"] == [{"path": "long.mid", "reason": reason}]
    assert f"  skipped long.mid: {reason}" in summary_lines(manifest)
