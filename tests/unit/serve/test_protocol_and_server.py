"""The bridge protocol as the engine sees it, and the server's decisions, against a segment laid out
in a plain file exactly as the plugin lays it out (packaging/lv2/rnnmusic_bridge.h)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from rnnmusic.notes import Note
from rnnmusic.serve import protocol
from rnnmusic.serve.protocol import PROTOCOL_VERSION, ProtocolError, Segment
from rnnmusic.serve.server import ServeConfig, Server, _Stream

NOTES, INPUTS = 256, 256
SIZE = 256 + NOTES * 32 + INPUTS * 16


def make_segment(path: Path, version: int = PROTOCOL_VERSION, magic: int = protocol.MAGIC) -> Path:
    mem = bytearray(SIZE)
    struct.pack_into("<6I", mem, 0, magic, version, SIZE, NOTES, INPUTS, 256)
    struct.pack_into("<iI", mem, 32, os.getpid(), 1)
    path.write_bytes(bytes(mem))
    return path


def set_position(path: Path, *, epoch=1, beat=0.0, bpm=120.0, bpb=4.0, rolling=True, model=0, temperature=1.0,
                 key=0, repetition=0.5, mute=False, regenerate=0, seq=2) -> None:
    data = bytearray(path.read_bytes())
    struct.pack_into("<2I5d2IfifIII", data, 40, seq, epoch, beat, bpm, bpb, 1.0 if rolling else 0.0, 48000.0,
                     int(rolling), model, temperature, key, repetition, int(mute), regenerate, 0)
    path.write_bytes(bytes(data))


def test_the_layout_matches_the_c_header():
    header = (Path(__file__).parents[3] / "packaging" / "lv2" / "rnnmusic_bridge.h").read_text()
    assert f"#define RNNM_VERSION {PROTOCOL_VERSION}u" in header
    assert "offsetof(RnnmSegment, pos) == 40" in header
    assert "offsetof(RnnmSegment, engine_heartbeat) == 128" in header
    assert "offsetof(RnnmSegment, notes) == 256" in header
    assert "offsetof(RnnmSegment, notes_played) == 160" in header
    assert "sizeof(RnnmNote) == 32" in header and "sizeof(RnnmInput) == 16" in header


def test_position_is_read_only_between_equal_even_sequence_numbers(tmp_path):
    path = make_segment(tmp_path / "seg")
    set_position(path, epoch=3, beat=5.25, bpm=150.0, key=2, seq=4)
    seg = Segment.open(path)
    pos = seg.position()
    assert (pos.epoch, pos.beat, pos.bpm, pos.key, pos.rolling) == (3, 5.25, 150.0, 2, True)
    seg.close()
    set_position(path, seq=5)  # the plugin is in the middle of writing it
    seg = Segment.open(path)
    assert seg.position(tries=3) is None
    seg.close()


def test_notes_go_into_the_ring_until_it_is_full(tmp_path):
    seg = Segment.open(make_segment(tmp_path / "seg"))
    for i in range(NOTES):
        assert seg.write_note(i, i + 0.5, 60, 80, 0, 7)
    assert not seg.write_note(999, 1000, 60, 80, 0, 7), "overwrote a note the plugin had not taken"
    on, off, epoch, channel, pitch, velocity = struct.unpack_from("<2dI3B", seg._mem, 256 + 5 * 32)
    assert (on, off, epoch, pitch, velocity) == (5, 5.5, 7, 60, 80)
    struct.pack_into("<I", seg._mem, 148, 10)  # the plugin took ten
    assert seg.note_space() == 10
    seg.close()


def test_a_segment_of_another_version_is_refused_with_the_fix(tmp_path):
    with pytest.raises(ProtocolError, match="same release"):
        Segment.open(make_segment(tmp_path / "seg", version=PROTOCOL_VERSION + 1))
    with pytest.raises(ProtocolError, match="not an rnnmusic"):
        Segment.open(make_segment(tmp_path / "other", magic=0))


class Scripted:
    """A note source: one note on every beat, counting where it is."""

    def __init__(self):
        self.position = 0.0
        self.options = {}
        self.resets = 0

    def next_notes(self, beats):
        start, self.position = self.position, self.position + beats
        return [Note(60, 90, b, b + 0.5) for b in range(int(start), int(self.position))]

    def set_options(self, **changes):
        self.options.update(changes)

    def prime(self, seq):
        pass

    def reset(self):
        self.position, self.resets = 0.0, self.resets + 1


def written(seg: Segment) -> list[tuple[float, int]]:
    count = struct.unpack_from("<I", seg._mem, 144)[0]
    return [struct.unpack_from("<2dI", seg._mem, 256 + i * 32)[::2] for i in range(count)]


def test_a_new_epoch_starts_the_stream_on_the_next_bar_line_and_writes_ahead(tmp_path):
    path = make_segment(tmp_path / "seg")
    set_position(path, epoch=1, beat=5.2, rolling=True)
    sources = []
    server = Server(lambda model, options, n: sources.append(Scripted()) or sources[-1],
                    ServeConfig(lookahead_beats=4.0, lead_beats=0.5))
    seg = Segment.open(path)
    stream = _Stream(seg)
    server.serve(stream)
    notes = written(seg)
    assert notes and notes[0] == (8.0, 1), "the first note is not on the next bar line (beat 8), epoch 1"
    assert max(on for on, _ in notes) < 5.2 + 4.0 + 1e-9
    set_position(path, epoch=2, beat=5.2, rolling=True, temperature=0.5)  # a jump, and a new temperature
    server.serve(stream)
    assert sources[0].resets >= 2 and sources[0].options["temperature"] == 0.5
    assert written(seg)[-1][1] == 2
    seg.close()


def test_serve_command_refuses_bad_settings_with_a_message(capsys):
    from rnnmusic.cli.main import main

    assert main(["serve", "--channel", "0"]) == 1
    assert "--channel must be 1-16" in capsys.readouterr().err
    assert main(["serve", "--lookahead-beats", "0"]) == 1


def test_serve_runs_and_stops_with_no_plugin_there(capsys):
    from rnnmusic.cli.main import main

    # --host-pid of no host: a plugin some other test run has open is left alone
    assert main(["serve", "--duration", "0.2", "--host-pid", "2147483647"]) == 0
    assert "waiting for rnnmusic plugin instances" in capsys.readouterr().out
