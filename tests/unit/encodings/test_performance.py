"""Performance: events, velocity bins, time shifts, the same-pitch rule, grammar and lenient decoding."""

from __future__ import annotations

import numpy as np
import pytest
from encoding_strategies import ids_of, make_seq, note_tuples, token_names

from rnnmusic.encodings import get_encoding
from rnnmusic.errors import EncodingError
from rnnmusic.notes import ControlChange, TempoChange


@pytest.fixture
def enc():
    return get_encoding("performance")


def test_vocabulary(enc):
    assert enc.vocab_size == 1 + 128 + 128 + 100 + 32 == 389
    names = token_names(enc, range(enc.vocab_size))
    assert names[1] == "note_on:0" and names[128] == "note_on:127"
    assert names[129] == "note_off:0" and names[257] == "time_shift:1" and names[356] == "time_shift:100"
    assert names[357] == "velocity:1" and names[-1] == "velocity:32"
    assert not enc.uses_grid
    assert enc.time_advance[257] == pytest.approx(0.01) and enc.time_advance[356] == pytest.approx(1.0)
    assert enc.time_advance[:257].sum() == 0 and enc.time_advance[357:].sum() == 0
    assert enc.pitch_of[61] == 60 and enc.pitch_of[129 + 60] == 60 and enc.pitch_of[300] == -1
    small = get_encoding("performance", {"num_velocity_bins": 8, "max_shift_steps": 50})
    assert small.vocab_size == 1 + 256 + 50 + 8


def test_events_of_a_chord(enc):
    seq = make_seq((64, 100, 0.0, 0.5, 0, False, 0), (60, 100, 0.0, 0.25, 0, False, 0))
    names = token_names(enc, enc.encode(seq))
    assert names == [
        "velocity:25", "note_on:60", "note_on:64", "time_shift:25", "note_off:60", "time_shift:25", "note_off:64",
    ]  # fmt: skip


def test_notes_sound_as_the_sustain_pedal_holds_them(enc):
    # 60 released at 0.25 under the pedal sounds to its release at 0.75; 64, released after it, keeps its end
    notes = ((60, 100, 0.0, 0.25, 0, False, 0), (64, 100, 0.0, 1.0, 0, False, 0))
    pedal = (ControlChange(0.1, 64, 127, 0), ControlChange(0.75, 64, 0, 0))
    names = token_names(enc, enc.encode(make_seq(*notes).evolve(control_changes=pedal)))
    assert names == ["velocity:25", "note_on:60", "note_on:64", "time_shift:75", "note_off:60", "time_shift:25",
                     "note_off:64"]
    assert token_names(enc, enc.encode(make_seq(*notes)))[3:5] == ["time_shift:25", "note_off:60"]  # no pedal


@pytest.mark.parametrize(
    ("velocity", "decoded"),
    [(0, 4), (1, 4), (4, 4), (5, 8), (100, 100), (101, 104), (124, 124), (125, 127), (127, 127)],
)
def test_velocity_bins_decode_to_their_upper_edge(enc, velocity, decoded):
    seq = make_seq((60, velocity, 0.0, 0.1, 0, False, 0))
    assert enc.normalize(seq).notes["velocity"].tolist() == [decoded]
    assert enc.decode(enc.encode(seq)).notes["velocity"].tolist() == [decoded]


def test_velocity_token_only_when_the_bin_changes(enc):
    seq = make_seq(*[(60 + i, v, 0.1 * i, 0.1 * i + 0.05, 0, False, 0) for i, v in enumerate([80, 79, 81, 40])])
    names = [n for n in token_names(enc, enc.encode(seq)) if n.startswith("velocity")]
    assert names == ["velocity:20", "velocity:21", "velocity:10"]  # 80 and 79 share bin 20


def test_long_gaps_are_split_into_shifts(enc):
    seq = make_seq((60, 2.5, 2.6))
    names = token_names(enc, enc.encode(seq))
    assert names[:4] == ["time_shift:100", "time_shift:100", "time_shift:50", "velocity:25"]
    assert names[-2:] == ["time_shift:10", "note_off:60"]


def test_times_round_to_the_shift_and_ignore_the_tempo(enc):
    seq = make_seq((60, 0.0149, 0.0251), tempos=(TempoChange(0.0, 77.0), TempoChange(0.3, 200.0)))
    assert note_tuples(enc.normalize(seq)) == [(60, 0.01, 0.03)]
    coarse = get_encoding("performance", {"time_shift_ms": 20, "max_shift_steps": 5})
    seq = make_seq((60, 0.0, 0.25))
    shifts = token_names(coarse, coarse.encode(seq))[2:]
    assert shifts == ["time_shift:5", "time_shift:5", "time_shift:3", "note_off:60"]  # 0.25 s rounds to 13 shifts
    assert note_tuples(coarse.normalize(seq)) == [(60, 0.0, 0.26)]


def test_drops(enc):
    seq = make_seq((60, 0.0, 0.004), (61, 0.5, 0.5), (62, 0.0, 0.006), (36, 100, 0.0, 0.1, 0, True, 9))
    report = enc.encode_report(seq)
    assert report.dropped == {"too_short": 2, "drums": 1}
    assert note_tuples(enc.normalize(seq)) == [(62, 0.0, 0.01)]  # 6 ms rounds to 0..10 ms


def test_same_pitch_rule(enc):
    seq = make_seq(
        (60, 100, 0.0, 1.0, 0, False, 0),
        (60, 50, 0.5, 0.6, 0, False, 1),  # struck again while sounding
        (60, 90, 1.0, 1.2, 0, False, 0),  # abuts
        (62, 100, 0.0, 0.3, 0, False, 0),
        (62, 30, 0.0, 0.1, 0, False, 1),  # same onset: collapses into the longer
    )
    report = enc.encode_report(seq)
    assert report.dropped == {"duplicate": 1}
    normal = enc.normalize(seq)
    assert note_tuples(normal) == [(62, 0.0, 0.3), (60, 0.0, 0.5), (60, 0.5, 1.0), (60, 1.0, 1.2)]
    assert normal.notes["velocity"].tolist() == [100, 100, 52, 92]
    names = token_names(enc, report.ids)
    at_half = names.index("time_shift:20")  # 0.3 s -> 0.5 s: the second strike ends the first note
    assert names[at_half + 1 : at_half + 4] == ["note_off:60", "velocity:13", "note_on:60"]
    at_one = names.index("time_shift:50")  # 1.0 s: the abutting note
    assert names[at_one + 1 : at_one + 4] == ["note_off:60", "velocity:23", "note_on:60"]


def test_grammar(enc):
    assert enc.is_valid(ids_of(enc, "velocity:3", "note_on:60", "time_shift:100", "time_shift:5", "note_off:60"))
    assert not enc.is_valid(ids_of(enc, "velocity:3", "time_shift:4"))  # velocity must precede a note_on
    assert not enc.is_valid(ids_of(enc, "velocity:3", "velocity:4"))
    assert not enc.is_valid(ids_of(enc, "note_on:60", "time_shift:5", "time_shift:5"))  # one spelling per gap
    assert not enc.is_valid(ids_of(enc, "note_off:60"))  # nothing sounds at the start
    assert enc.is_valid(ids_of(enc, "note_on:60", "note_off:60", "note_off:61"))


def test_decode_is_lenient(enc):
    decoded = enc.decode(
        ids_of(
            enc,
            "note_on:60",  # before any velocity: velocity 64's bin, decoded as 64
            "time_shift:10",
            "note_off:61",  # nothing to end: ignored
            "velocity:32",
            "note_on:60",  # ends the sounding 60 and starts another
            "note_on:62",
            "note_off:62",  # zero length: left out
            "time_shift:20",
        )
    )
    assert note_tuples(decoded) == [(60, 0.0, 0.1), (60, 0.1, 0.3)]
    assert decoded.notes["velocity"].tolist() == [64, 127]


def test_decoded_program_is_the_templates_first_non_drum(enc):
    template = make_seq((36, 100, 0.0, 0.1, 0, True, 0), (60, 100, 0.0, 0.1, 71, False, 1))
    decoded = enc.decode(enc.encode(template), template=template)
    assert decoded.notes["program"].tolist() == [71] and decoded.notes["track"].tolist() == [1]


@pytest.mark.parametrize(
    "config", [{"num_velocity_bins": 0}, {"num_velocity_bins": 128}, {"time_shift_ms": 0}, {"max_shift_steps": 0}]
)
def test_bad_config_is_refused(config):
    with pytest.raises(EncodingError):
        get_encoding("performance", config)


def test_bin_helpers(enc):
    assert enc.bin_width == 4
    assert enc.velocity_bin(np.array([1, 4, 5, 127])).tolist() == [1, 1, 2, 32]
    assert enc.bin_velocity(np.arange(1, 33)).tolist()[-2:] == [124, 127]
    odd = get_encoding("performance", {"num_velocity_bins": 7})
    assert odd.bin_width == 19 and odd.velocity_bin(127) == 7 and odd.bin_velocity(7) == 127
