"""Drums: the nine classes, the General MIDI table, bitmask tokens, drops and decoding (a step is 0.125 s)."""

from __future__ import annotations

import pytest
from encoding_strategies import make_seq, note_tuples, token_names

from rnnmusic.encodings import get_encoding
from rnnmusic.encodings.drums import CANONICAL_PITCHES, DRUM_CLASSES, PITCH_CLASSES, DrumsEncoding
from rnnmusic.errors import EncodingError

S = 0.125


def drum(pitch, start, end=None, track=9, program=0):
    return (pitch, 100, start, start if end is None else end, program, True, track)


@pytest.fixture
def enc() -> DrumsEncoding:
    return get_encoding("drums")


def test_vocabulary(enc):
    assert enc.vocab_size == 1 + 512 == 513
    assert token_names(enc, [1, 2, 512]) == ["drums:0", "drums:1", "drums:511"]
    assert enc.classes_of_token(enc.tokens[1 + 0b100000011]) == ["kick", "snare", "ride"]
    assert (enc.pitch_of == -1).all()
    assert enc.time_advance[1:].tolist() == [1.0] * 512
    assert enc.follow_table[:, 1:].all()


def test_general_midi_table():
    assert len(DRUM_CLASSES) == len(CANONICAL_PITCHES) == 9
    for cls, pitch in enumerate(CANONICAL_PITCHES):
        assert PITCH_CLASSES[pitch] == cls
    expected = {35: "kick", 36: "kick", 38: "snare", 40: "snare", 42: "closed_hihat", 44: "closed_hihat",
                46: "open_hihat", 41: "low_tom", 43: "low_tom", 45: "low_tom", 47: "mid_tom", 48: "mid_tom",
                50: "high_tom", 49: "crash", 57: "crash", 51: "ride", 59: "ride", 53: "ride"}  # fmt: skip
    for pitch, name in expected.items():
        assert DRUM_CLASSES[PITCH_CLASSES[pitch]] == name, pitch
    mapped = set(PITCH_CLASSES)
    assert {58, 71, 72, 78, 79} - mapped == {58, 71, 72, 78, 79}  # effects stay unmapped
    assert len(set(range(35, 82)) - mapped) == 5


def test_each_step_is_the_bitmask_of_its_hits(enc):
    seq = make_seq(drum(36, 0.0), drum(42, 0.0), drum(38, 2 * S), drum(51, 2 * S + 0.01), drum(49, 4 * S - 0.05))
    names = token_names(enc, enc.encode(seq))
    assert names == ["drums:5", "drums:0", "drums:258", "drums:0", "drums:128"]


def test_drops_are_counted(enc):
    seq = make_seq(
        drum(36, 0.0),
        drum(35, 0.01),  # another kick in the same step
        drum(71, 0.0),  # whistle: no class
        drum(20, 0.0),
        (36, 100, 0.0, 0.1, 0, False, 0),  # a pitched note
    )
    report = enc.encode_report(seq)
    assert report.dropped == {"duplicate": 1, "unmapped_pitch": 2, "not_drums": 1}
    assert token_names(enc, report.ids) == ["drums:1"]


def test_duration_does_not_matter(enc):
    long = make_seq(drum(38, 0.0, 3.0))
    zero = make_seq(drum(38, 0.0, 0.0))
    assert enc.encode(long).tolist() == enc.encode(zero).tolist() == [3]


def test_decoding_uses_canonical_pitches_one_step_long(enc):
    template = make_seq(drum(35, 0.0, track=4, program=25), drum(44, S, track=4, program=25), (60, 0.0, 0.1))
    decoded = enc.decode(enc.encode(template), template=template)
    assert note_tuples(decoded) == [(36, 0.0, S), (42, S, 2 * S)]
    assert decoded.notes["is_drum"].all()
    assert decoded.notes["track"].tolist() == [4, 4] and decoded.notes["program"].tolist() == [25, 25]
    assert set(decoded.notes["velocity"].tolist()) == {80}
    plain = enc.decode([0, 1, 1 + 0b110000000])
    assert note_tuples(plain) == [(49, S, 2 * S), (51, S, 2 * S)]
    assert plain.notes["track"].tolist() == [0, 0]


def test_triplet_grid():
    enc = get_encoding("drums", {"steps_per_quarter": 3})
    third = 0.5 / 3
    assert token_names(enc, enc.encode(make_seq(drum(36, 0.0), drum(38, third + 0.01)))) == ["drums:1", "drums:2"]


@pytest.mark.parametrize("config", [{"steps_per_quarter": 0}, {"velocity": 128}, {"classes": 9}])
def test_bad_config_is_refused(config):
    with pytest.raises(EncodingError):
        get_encoding("drums", config)
