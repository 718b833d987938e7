"""Polyphony: steps of ascending pitches then step_end, onsets, the same-pitch rule, frames (a step is 0.125 s)."""

from __future__ import annotations

import numpy as np
import pytest
from encoding_strategies import EXAMPLES, ids_of, make_seq, note_tuples, token_names
from hypothesis import given
from hypothesis import strategies as st

from rnnmusic.encodings import get_encoding
from rnnmusic.errors import EncodingError
from rnnmusic.notes import NoteSequence

S = 0.125


@pytest.fixture
def enc():
    return get_encoding("polyphony")


@pytest.fixture
def frames_enc():
    return get_encoding("polyphony", {"onsets": False})


def test_vocabulary(enc, frames_enc):
    assert enc.vocab_size == 2 + 2 * 88 == 178
    assert frames_enc.vocab_size == 2 + 88 == 90
    assert token_names(enc, range(5)) == ["bos", "step_end", "onset:21", "held:21", "onset:22"]
    assert str(enc.tokens[-1]) == "held:108"
    assert enc.pitch_of[2] == enc.pitch_of[3] == 21 and enc.pitch_of[1] == -1
    assert enc.time_advance[1] == 1.0 and enc.time_advance[2:].sum() == 0.0
    assert get_encoding("polyphony", {"min_pitch": 60, "max_pitch": 71}).vocab_size == 26


def test_steps_are_ascending_pitches_then_step_end(enc):
    seq = make_seq((64, 0, 2 * S), (60, 0, 3 * S), (67, S, 2 * S))
    names = token_names(enc, enc.encode(seq))
    assert names == [
        "onset:60", "onset:64", "step_end",
        "held:60", "held:64", "onset:67", "step_end",
        "held:60", "step_end",
    ]  # fmt: skip


def test_rests_are_empty_steps(enc):
    names = token_names(enc, enc.encode(make_seq((60, 2 * S, 3 * S))))
    assert names == ["step_end", "step_end", "onset:60", "step_end"]


def test_abutting_repeated_notes_are_onsets(enc, frames_enc):
    seq = make_seq((60, 0, S), (60, S, 2 * S))
    assert token_names(enc, enc.encode(seq)) == ["onset:60", "step_end", "onset:60", "step_end"]
    assert note_tuples(enc.normalize(seq)) == [(60, 0.0, S), (60, S, 2 * S)]
    # without onsets they are one note
    assert note_tuples(frames_enc.normalize(seq)) == [(60, 0.0, 2 * S)]


def test_same_pitch_overlap_rule(enc):
    # struck again while sounding: the first note ends there, the new one lasts to the later end
    seq = make_seq((60, 0, 4 * S), (60, S, 2 * S), (62, 100, 0, S, 0, False, 1), (62, 100, 0, 3 * S, 0, False, 2))
    report = enc.encode_report(seq)
    assert report.dropped == {"duplicate": 1}  # the doubled 62 with the same onset
    assert note_tuples(enc.normalize(seq)) == [(60, 0.0, S), (62, 0.0, 3 * S), (60, S, 4 * S)]


def test_drops_are_counted(enc):
    narrow = get_encoding("polyphony", {"min_pitch": 60, "max_pitch": 72})
    seq = make_seq((59, 0, S), (73, 0, S), (60, 0, 0.01), (38, 100, 0, S, 0, True, 9), (61, 0, S))
    report = narrow.encode_report(seq)
    assert report.dropped == {"out_of_range": 2, "too_short": 1, "drums": 1}
    assert token_names(narrow, report.ids) == ["onset:61", "step_end"]


def test_grammar(enc):
    assert enc.is_valid(ids_of(enc, "onset:60", "onset:64", "step_end", "held:60", "step_end", "step_end"))
    assert not enc.is_valid(ids_of(enc, "onset:64", "onset:60", "step_end"))  # descending
    assert not enc.is_valid(ids_of(enc, "onset:60", "onset:60"))  # repeated
    assert not enc.is_valid(ids_of(enc, "onset:60", "held:60"))  # the same pitch twice
    assert not enc.is_valid(ids_of(enc, "held:60"))  # nothing to hold at the start
    assert enc.is_valid(ids_of(enc, "step_end", "held:60", "step_end"))  # allowed; decodes as an onset
    table = enc.follow_table
    assert table[1, 1] and table[0, 1] and not table[:, 0].any()


def test_decode_reads_a_held_without_sounding_pitch_as_an_onset(enc):
    decoded = enc.decode(ids_of(enc, "held:60", "step_end", "held:60", "held:62", "step_end", "onset:62"))
    assert note_tuples(decoded) == [(60, 0.0, 2 * S), (62, S, 2 * S), (62, 2 * S, 3 * S)]
    assert set(decoded.notes["velocity"].tolist()) == {80}


def test_decode_reads_a_step_as_a_set(enc):
    unordered = enc.decode(ids_of(enc, "onset:64", "onset:60", "held:64", "step_end"))
    assert note_tuples(unordered) == [(60, 0.0, S), (64, 0.0, S)]


def test_decoded_program_is_the_templates_first_non_drum(enc):
    template = make_seq((36, 100, 0, S, 0, True, 0), (60, 100, 0, S, 33, False, 2), (61, 100, 0, S, 7, False, 3))
    decoded = enc.decode(enc.encode(template), template=template)
    assert set(decoded.notes["program"].tolist()) == {33} and set(decoded.notes["track"].tolist()) == {2}


def test_frames_round_trip_and_held_marks(enc):
    frames = [[60, 64], [60], [], [60, 62], [62]]
    ids = enc.encode_frames(frames)
    assert token_names(enc, ids) == [
        "onset:60", "onset:64", "step_end", "held:60", "step_end", "step_end",
        "onset:60", "onset:62", "step_end", "held:62", "step_end",
    ]  # fmt: skip
    assert enc.decode_frames(ids) == frames
    assert enc.decode_frames(np.concatenate([[0], ids])) == frames
    assert enc.encode_frames([]).tolist() == [] and enc.decode_frames([]) == []


def test_frames_out_of_range_are_refused(enc):
    with pytest.raises(EncodingError, match="outside"):
        enc.encode_frames([[20]])


def test_frames_of_a_sequence(frames_enc):
    seq = make_seq((60, 0, 2 * S), (64, S, 2 * S))
    assert frames_enc.frames_of(seq) == [[60], [60, 64]]


@EXAMPLES
@given(
    frames=st.lists(st.lists(st.integers(21, 108), max_size=6).map(lambda f: sorted(set(f))), max_size=30),
    onsets=st.booleans(),
)
def test_frames_property(frames, onsets):
    enc = get_encoding("polyphony", {"onsets": onsets})
    ids = enc.encode_frames(frames)
    assert enc.is_valid(ids)
    assert enc.decode_frames(ids) == frames
    assert int((ids == 1).sum()) == len(frames)
    # one token per sounding pitch plus one step_end per frame: frame probability = product of token probabilities
    assert len(ids) == sum(len(f) for f in frames) + len(frames)
    # a frame sequence is a sequence on a 120 qpm grid: the sequence path gives the same tokens (with onsets,
    # a pitch in consecutive frames is one held note, which is what encode_frames assumes)
    got = enc.frames_of(enc.decode(ids))
    assert got == frames[: len(got)] and not any(frames[len(got) :])  # trailing silence is not kept


def test_empty_sequence(enc):
    assert len(enc.encode(NoteSequence())) == 0
    assert len(enc.decode([])) == 0


@pytest.mark.parametrize("config", [{"onsets": 1}, {"min_pitch": 90, "max_pitch": 80}, {"steps_per_quarter": -2}])
def test_bad_config_is_refused(config):
    with pytest.raises(EncodingError):
        get_encoding("polyphony", config)
