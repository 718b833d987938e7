"""Tempo 0 (FF 51 03 00 00 00, "0 microseconds per quarter"): both reading paths ignore it, the same way.

The fast path (symusic) once read it as an infinite tempo, so a NaN reached the grid and later
notes collapsed to one instant, while the exact path read the same event as no tempo at all.
"""

from __future__ import annotations

import math
import struct

import pytest

from rnnmusic.encodings import ENCODING_NAMES, get_encoding
from rnnmusic.midi import read as midi_read
from rnnmusic.midi.read import read_midi_bytes
from rnnmusic.midi.write import sequence_to_midi_bytes

TEMPO_0 = b"\xff\x51\x03\x00\x00\x00"
TEMPO_100 = b"\xff\x51\x03\x09\x27\xc0"  # 600,000 us per quarter
NOTE = b"\x90\x3c\x40\x83\x60\x80\x3c\x00"  # C4 for one quarter (480 ticks), then a note-off


def _file(body: bytes) -> bytes:
    body += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(body)) + body


CASES = {
    "only tempo": b"\x00" + TEMPO_0 + b"\x00" + NOTE + b"\x00" + NOTE,
    "before a tempo at one tick": b"\x00" + TEMPO_0 + b"\x00" + TEMPO_100 + b"\x00" + NOTE + b"\x00" + NOTE,
    "after a tempo at one tick": b"\x00" + TEMPO_100 + b"\x00" + TEMPO_0 + b"\x00" + NOTE + b"\x00" + NOTE,
    "mid-piece": b"\x00" + TEMPO_100 + b"\x00" + NOTE + b"\x00" + TEMPO_0 + b"\x00" + NOTE + b"\x00" + NOTE,
}


@pytest.mark.parametrize("name", CASES)
def test_both_reading_paths_read_tempo_0_as_no_tempo(name, monkeypatch):
    data = _file(CASES[name])
    calls = []
    real = midi_read.read_exact
    monkeypatch.setattr(midi_read, "read_exact", lambda *a: calls.append(a) or real(*a))
    fast = read_midi_bytes(data)
    assert calls == []  # these files are read by the fast path
    exact = read_midi_bytes(data, exact=True)
    assert fast.same_music(exact)
    assert fast.tempos == exact.tempos
    qpm = 120.0 if name == "only tempo" else 100.0
    assert [t.qpm for t in fast.tempos] == [pytest.approx(qpm)]
    starts = [n.start for n in fast.iter_notes()]
    assert starts == pytest.approx([k * 60 / qpm for k in range(len(starts))])  # one quarter apart


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("encoding", ENCODING_NAMES)
def test_files_with_tempo_0_encode_and_write(name, encoding):
    seq = read_midi_bytes(_file(CASES[name]))
    assert all(math.isfinite(t.qpm) for t in seq.tempos)
    ids = get_encoding(encoding).encode(seq)
    assert len(ids) > 0 or encoding == "drums"  # (no drum notes here)
    again = read_midi_bytes(sequence_to_midi_bytes(seq))
    assert again.same_music(seq, tolerance=1e-3)
