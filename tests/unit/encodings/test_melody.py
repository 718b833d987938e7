"""Melody: the voice rule, grammar, drops and decoding (120 qpm, 4 steps per quarter: a step is 0.125 s)."""

from __future__ import annotations

import numpy as np
import pytest
from encoding_strategies import ids_of, make_seq, note_tuples, token_names

from rnnmusic.encodings import get_encoding
from rnnmusic.encodings.melody import MelodyConfig, MelodyEncoding
from rnnmusic.errors import EncodingError
from rnnmusic.notes import KeySignature, NoteSequence, TempoChange, TimeSignature, Track

S = 0.125  # one step at 120 qpm, 4 steps per quarter


@pytest.fixture
def enc() -> MelodyEncoding:
    return get_encoding("melody")


def test_vocabulary(enc):
    assert enc.vocab_size == 4 + (84 - 48) == 40
    assert token_names(enc, range(4)) == ["bos", "rest", "hold", "note_on:48"]
    assert str(enc.tokens[-1]) == "note_on:84"
    assert enc.pitch_of[3] == 48 and enc.pitch_of[1] == enc.pitch_of[2] == -1
    assert enc.time_advance.tolist() == [0.0] + [1.0] * 39
    assert get_encoding("melody", {"min_pitch": 60, "max_pitch": 60}).vocab_size == 4


def test_top_voice_of_a_chord(enc):
    seq = make_seq((60, 0, 4 * S), (64, 0, 4 * S), (67, 0, 2 * S))
    report = enc.encode_report(seq)
    # G is highest; when it ends E (still sounding) takes over as a new note
    assert token_names(enc, report.ids) == ["note_on:67", "hold", "note_on:64", "hold"]
    assert report.dropped == {"not_in_voice": 1}  # C is never the top voice


def test_lower_onset_does_not_interrupt_a_higher_note(enc):
    seq = make_seq((72, 0, 4 * S), (60, 1 * S, 2 * S))
    report = enc.encode_report(seq)
    assert token_names(enc, report.ids) == ["note_on:72", "hold", "hold", "hold"]
    assert report.dropped == {"not_in_voice": 1}


def test_lower_note_surfaces_when_the_higher_ends(enc):
    seq = make_seq((72, 0, 2 * S), (60, 1 * S, 4 * S))
    assert token_names(enc, enc.encode(seq)) == ["note_on:72", "hold", "note_on:60", "hold"]
    assert note_tuples(enc.normalize(seq)) == [(72, 0.0, 2 * S), (60, 2 * S, 4 * S)]


def test_higher_onset_interrupts_a_lower_note(enc):
    seq = make_seq((60, 0, 4 * S), (67, 2 * S, 3 * S))
    assert token_names(enc, enc.encode(seq)) == ["note_on:60", "hold", "note_on:67", "note_on:60"]


def test_repeated_notes_are_onsets_and_rests_are_kept(enc):
    seq = make_seq((60, 1 * S, 2 * S), (60, 2 * S, 3 * S), (62, 5 * S, 6 * S))
    names = token_names(enc, enc.encode(seq))
    assert names == ["rest", "note_on:60", "note_on:60", "rest", "rest", "note_on:62"]


def test_same_pitch_overlap_is_the_union_split_at_onsets(enc):
    # 60 struck again while it sounds: the first note ends at the new onset, the second lasts to the later end
    seq = make_seq((60, 0, 8 * S), (60, 2 * S, 4 * S))
    assert note_tuples(enc.normalize(seq)) == [(60, 0.0, 2 * S), (60, 2 * S, 8 * S)]
    assert enc.encode_report(seq).dropped == {}


def test_drops_are_counted_by_reason(enc):
    seq = make_seq(
        (47, 0, S),  # below the range
        (85, 0, S),  # above it
        (60, 0.0, 0.05),  # 0.4 steps, rounds to zero length
        (61, 0.0, 0.0),  # zero length
        (62, 0.4 * S, 0.9 * S),  # half a step that rounds to zero length: kept one step long
        (62, 100, S, 2 * S, 0, False, 0),
        (36, 100, 0.0, S, 0, True, 9),  # drums
        (62, 100, S, 1.5 * S, 0, False, 1),  # same pitch and onset step as a longer note
    )
    report = enc.encode_report(seq)
    assert report.dropped == {"out_of_range": 2, "too_short": 2, "drums": 1, "duplicate": 1}
    assert note_tuples(enc.normalize(seq)) == [(62, 0.0, S), (62, S, 2 * S)]


def test_voice_track_takes_one_track(enc):
    seq = make_seq(
        (72, 100, 0.0, 2 * S, 5, False, 0),
        (60, 100, 0.0, 2 * S, 40, False, 1),
        (64, 100, 2 * S, 3 * S, 40, False, 1),
        (36, 100, 0.0, S, 0, True, 2),
        tracks=(Track("piano", 5), Track("violin", 40), Track("drums", 0, True)),
    )
    melody = get_encoding("melody", {"voice": 1})
    report = melody.encode_report(seq)
    assert token_names(melody, report.ids) == ["note_on:60", "hold", "note_on:64"]
    assert report.dropped == {"other_track": 2}
    decoded = melody.decode(report.ids, template=seq)
    assert set(decoded.notes["program"].tolist()) == {40} and set(decoded.notes["track"].tolist()) == {1}
    # the top voice would have taken the piano's note, on the piano's program
    top = enc.decode(enc.encode(seq), template=seq)
    assert set(top.notes["program"].tolist()) == {5} and top.notes["pitch"][0] == 72


def test_voice_track_decodes_onto_its_track():
    melody = get_encoding("melody", {"voice": 2})
    ids = ids_of(melody, "note_on:60")
    assert melody.decode(ids).notes["track"].tolist() == [2]
    piano = make_seq((60, 100, 0.0, S, 7, False, 0))
    decoded = melody.decode(ids, template=piano)  # the template has no track 2: its first program, track 2
    assert decoded.notes["track"].tolist() == [2] and decoded.notes["program"].tolist() == [7]
    assert melody.normalize(decoded).same_music(decoded)


def test_grammar(enc):
    assert not enc.is_valid(ids_of(enc, "hold"))
    assert not enc.is_valid(ids_of(enc, "rest", "hold"))
    assert enc.is_valid(ids_of(enc, "rest", "note_on:60", "hold", "hold", "rest", "note_on:48"))
    assert not enc.is_valid([0, 0])
    assert not enc.is_valid([enc.vocab_size])


def test_decode_is_lenient_about_holds_with_nothing_to_hold(enc):
    decoded = enc.decode(ids_of(enc, "hold", "rest", "hold", "note_on:60", "hold"))
    assert note_tuples(decoded) == [(60, 3 * S, 5 * S)]
    assert set(decoded.notes["velocity"].tolist()) == {80}


def test_decode_without_template_is_120_qpm_four_four(enc):
    decoded = enc.decode(ids_of(enc, "note_on:60", "hold", "note_on:62"))
    assert decoded.qpm == 120.0 and decoded.time_signatures == (TimeSignature(0.0, 4, 4),)
    assert note_tuples(decoded) == [(60, 0.0, 2 * S), (62, 2 * S, 3 * S)]
    assert decoded.notes["program"].tolist() == [0, 0]


def test_continuation_decodes_on_the_template_grid(enc):
    template = NoteSequence(
        tempos=(TempoChange(0.0, 60.0), TempoChange(1.0, 120.0)),
        time_signatures=(TimeSignature(0.0, 3, 4),),
        key_signatures=(KeySignature(0.0, 7),),
        source="seed.mid",
    )
    decoded = enc.decode(ids_of(enc, "note_on:60", "hold", "hold", "hold", "hold", "note_on:62"), template=template)
    # four steps at 60 qpm take one second; from there a step is 0.125 s
    assert note_tuples(decoded) == [(60, 0.0, 1.125), (62, 1.125, 1.25)]
    assert decoded.source == "seed.mid" and decoded.key_signatures == template.key_signatures


def test_grid_follows_tempo_changes():
    enc = get_encoding("melody", {"steps_per_quarter": 2})
    seq = make_seq((60, 0.0, 1.0), (62, 1.0, 3.0), tempos=(TempoChange(0.0, 120.0), TempoChange(1.0, 60.0)))
    # 1 s at 120 qpm is 4 eighth steps; 2 s at 60 qpm another 4
    assert token_names(enc, enc.encode(seq)) == ["note_on:60"] + ["hold"] * 3 + ["note_on:62"] + ["hold"] * 3


def test_triplet_grid_quantises_to_triplets():
    enc = get_encoding("melody", {"steps_per_quarter": 3})
    third = 0.5 / 3
    seq = make_seq((60, 0.01, third - 0.01), (62, third + 0.02, 3 * third))
    assert note_tuples(enc.normalize(seq)) == [(60, 0.0, round(third, 9)), (62, round(third, 9), 0.5)]


def test_empty_sequence(enc):
    report = enc.encode_report(NoteSequence())
    assert len(report.ids) == 0 and report.dropped == {}
    assert len(enc.decode([])) == 0 and len(enc.decode([0])) == 0


@pytest.mark.parametrize(
    "config",
    [{"min_pitch": 70, "max_pitch": 60}, {"min_pitch": -1}, {"max_pitch": 128}, {"steps_per_quarter": 0},
     {"voice": "bottom"}, {"voice": -1}, {"voice": True}, {"velocity": 0}, {"min_pitch": 60.5}],
)
def test_bad_config_is_refused(config):
    with pytest.raises(EncodingError):
        get_encoding("melody", config)


def test_config_class():
    assert MelodyConfig().voice == "top"
    assert isinstance(MelodyEncoding(MelodyConfig(voice=2)).config.voice, int)
    with pytest.raises(EncodingError):
        MelodyEncoding(object())


def test_bad_ids_are_refused(enc):
    with pytest.raises(EncodingError):
        enc.decode([1, 0, 1])
    with pytest.raises(EncodingError):
        enc.decode([enc.vocab_size])
    with pytest.raises(EncodingError):
        enc.decode(np.array([-1]))
