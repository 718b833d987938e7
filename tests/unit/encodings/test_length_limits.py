"""Every encoding refuses a piece that would take more than MAX_TOKENS, before laying it out.

The 44-byte file of issue 12 (1 tick per quarter, 60,000 qpm, one note of 16,777,215 ticks, 4.7
hours) once made 67 million melody tokens in 6.4 GB; a seed that long asked ONNX Runtime for 14 GB.
"""

from __future__ import annotations

import tracemalloc

import pytest

from rnnmusic.encodings import ENCODING_NAMES, checks, get_encoding
from rnnmusic.errors import SequenceError
from rnnmusic.midi.read import read_midi_bytes
from rnnmusic.notes import Note, NoteSequence, make_notes

LONG_NOTE = bytes.fromhex(
    "4d546864000000060000000100014d54726b0000001600ff51030003e800903c4087ffff7f803c0000ff2f00"
)
S = 0.125  # one step at 120 qpm, 4 steps per quarter


@pytest.mark.parametrize("encoding", ["melody", "polyphony", "drums"])
def test_the_44_byte_file_is_refused_before_anything_its_size_is_allocated(encoding):
    seq = read_midi_bytes(LONG_NOTE, source="long.mid")
    for note_is_drum in (False, True):  # drums counts drum notes only; the length rule holds for all
        piece = seq.with_notes(make_notes([Note(60, 64, 0.0, seq.total_time, is_drum=note_is_drum)]))
        tracemalloc.start()
        try:
            with pytest.raises(SequenceError, match=rf"^long\.mid: is too long for the {encoding} encoding "
                                                    r"\(67,108,860 steps; at most 2,000,000\)$"):
                get_encoding(encoding).encode_report(piece)
            assert tracemalloc.get_traced_memory()[1] < 10 * 2**20
        finally:
            tracemalloc.stop()


def test_performance_counts_its_time_shifts_before_making_them():
    day = NoteSequence(notes=make_notes([Note(60, 64, 0.0, 1.0)]), total_time=1e9, source="far.mid")
    refusal = r"^far\.mid: is too long for the performance encoding \(1,000,000,000 time shifts"
    with pytest.raises(SequenceError, match=refusal):
        get_encoding("performance").encode(day)


def test_many_stacked_notes_are_refused_by_their_note_steps():
    # 37 pitches (all melody's) held for 60,000 steps: 2.2 million note-steps in only 60,000 steps
    notes = make_notes([Note(48 + i, 64, 0.0, 60_000 * S) for i in range(37)])
    seq = NoteSequence(notes=notes, source="cluster.mid")
    for encoding in ("melody", "polyphony"):
        refusal = rf"^cluster\.mid: is too long for the {encoding} encoding \(2,2.* note-steps"
        with pytest.raises(SequenceError, match=refusal):
            get_encoding(encoding).encode(seq)


def _piece(encoding: str) -> NoteSequence:
    """A few bars whose last note ends on a step, so its length in steps is its length in tokens."""
    drum = encoding == "drums"
    notes = [Note(60 + 2 * (k % 5), 90, k * 3 * S, (k * 3 + 2) * S, is_drum=drum) for k in range(12)]
    notes += [Note(64, 70, 4 * S, 9 * S, is_drum=drum), Note(60, 70, 35 * S, 36 * S, is_drum=drum)]
    return NoteSequence(notes=make_notes(notes), source="piece.mid")


@pytest.mark.parametrize("encoding", ENCODING_NAMES)
def test_a_piece_of_exactly_the_limit_encodes_and_one_token_more_is_refused(encoding, monkeypatch):
    enc, seq = get_encoding(encoding), _piece(encoding)
    tokens = len(enc.encode(seq))
    assert tokens > 20
    monkeypatch.setattr(checks, "MAX_TOKENS", tokens)
    assert len(enc.encode(seq)) == tokens
    assert len(enc.normalize(seq)) > 0
    monkeypatch.setattr(checks, "MAX_TOKENS", tokens - 1)
    with pytest.raises(SequenceError, match=rf"^piece\.mid: is too long for the {encoding} encoding"):
        enc.encode(seq)
