"""Token-level transposition: shifting tokens equals encoding the transposed music."""

from __future__ import annotations

import numpy as np
import pytest

from rnnmusic.encodings import get_encoding
from rnnmusic.errors import ConfigError
from rnnmusic.notes import NoteSequence
from rnnmusic.training.toy_corpus import toy_tune
from rnnmusic.training.transpose import Transposer


def transposed(seq: NoteSequence, k: int) -> NoteSequence:
    notes = seq.notes.copy()
    notes["pitch"] += k
    return seq.with_notes(notes)


@pytest.mark.parametrize("name", ["melody", "polyphony", "performance"])
def test_shifting_tokens_equals_encoding_the_transposed_sequence(name):
    # a range wide enough that every shift keeps the tune inside it
    encoding = get_encoding(name, {"min_pitch": 36, "max_pitch": 96} if name == "melody" else {})
    seq = toy_tune(np.random.default_rng(4), notes=32, chords=name != "melody")
    transposer = Transposer(encoding, 5)
    ids = encoding.encode(seq)[None, :].astype(np.int64)
    for k in (-5, -1, 0, 2, 5):
        shifted = transposer.shift(ids, np.array([k]))
        assert np.array_equal(shifted[0], encoding.encode(transposed(seq, k))), k
        assert encoding.is_valid(shifted[0])


def test_a_window_that_would_leave_the_range_is_not_shifted():
    encoding = get_encoding("melody", {"min_pitch": 60, "max_pitch": 72})
    ids = {str(t): i for i, t in enumerate(encoding.tokens)}
    low = [ids["note_on:60"], ids["hold:0"], ids["note_on:64"], ids["rest:0"]]
    high = [ids["note_on:71"], ids["hold:0"], ids["rest:0"], ids["rest:0"]]
    windows = np.array([low, high, low])
    out = Transposer(encoding, 3).shift(windows, np.array([2, 2, -1]))
    assert [str(encoding.tokens[i]) for i in out[0]] == ["note_on:62", "hold:0", "note_on:66", "rest:0"]
    assert np.array_equal(out[1], high)  # 71 + 2 = 73 is out of range: the whole window stays
    assert np.array_equal(out[2], low)  # 60 - 1 = 59 is out of range
    assert out.dtype == windows.dtype


def test_shift_zero_and_unpitched_tokens_are_identity_and_drums_refuse():
    encoding = get_encoding("polyphony")
    transposer = Transposer(encoding, 2)
    all_ids = np.arange(encoding.vocab_size)[None, :]
    assert np.array_equal(transposer.shift(all_ids, np.array([0])), all_ids)
    unpitched = np.flatnonzero(encoding.pitch_of < 0)
    assert np.array_equal(transposer.table[unpitched], np.repeat(unpitched[:, None], 5, axis=1))
    with pytest.raises(ValueError):
        transposer.shift(all_ids, np.array([3]))
    with pytest.raises(ConfigError, match="drums"):
        Transposer(get_encoding("drums"), 2)
    assert Transposer(get_encoding("drums"), 0).max_shift == 0
