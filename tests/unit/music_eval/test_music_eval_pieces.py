"""Seeds and real continuations cut from whole pieces: bar lines, pickups, keys, short pieces."""

from __future__ import annotations

from music_eval_data import tune12

from rnnmusic.encodings import get_encoding
from rnnmusic.grid import StepGrid
from rnnmusic.music_eval.pieces import make_case
from rnnmusic.music_eval.window import has_pickup
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, make_notes

MELODY = get_encoding("melody", {})


def with_pickup(first_meter: tuple[int, int] | None = None) -> NoteSequence:
    """The 12-bar tune after a one-beat pickup (G): padded into a 4/4 bar, or as a bar of its own meter."""
    body = tune12(0)
    if first_meter is None:  # the pickup sits on the last beat of a padded first bar
        shift, meters = 2.0, (TimeSignature(0.0, 4, 4),)
        pickup = Note(67, 80, 1.5, 2.0)
    else:
        shift, meters = 0.5, (TimeSignature(0.0, *first_meter), TimeSignature(0.5, 4, 4))
        pickup = Note(67, 80, 0.0, 0.5)
    notes = [pickup] + [Note(n.pitch, n.velocity, n.start + shift, n.end + shift) for n in body.iter_notes()]
    return NoteSequence(notes=make_notes(notes), tempos=(TempoChange(0.0, 120.0),), time_signatures=meters)


def test_a_piece_without_pickup_starts_its_continuation_after_the_seed_bars():
    case = make_case(tune12(0), MELODY, seed_bars=2, bars=4)
    assert case.first_bar == 2
    assert case.seed.total_time == 4.0  # two bars at 120 qpm
    assert case.real.bars == 4 and case.real.bar_numbers == (3, 4, 5, 6)
    assert case.real.pitches[:4].tolist() == [60, 62, 64, 65]  # bar 3 is A
    assert case.seed_window.bars == 2 and case.key == (0, False)


def test_a_padded_pickup_joins_the_seed():
    seq = with_pickup()
    assert has_pickup(seq, StepGrid.for_sequence(seq, 4))
    case = make_case(seq, MELODY, seed_bars=2, bars=4)
    assert case.first_bar == 3  # the pickup bar, then two full bars
    assert case.seed.total_time == 6.0 and 67 in case.seed.notes["pitch"].tolist()
    assert case.seed_window.pitches[:4].tolist() == [60, 62, 64, 65]  # the pickup is not a seed bar
    assert case.real.pitches[:4].tolist() == [60, 62, 64, 65]


def test_a_pickup_bar_of_its_own_meter_joins_the_seed():
    seq = with_pickup((1, 4))
    assert has_pickup(seq, StepGrid.for_sequence(seq, 4))
    case = make_case(seq, MELODY, seed_bars=2, bars=4)
    assert case.first_bar == 3 and case.real.meters == ((4, 4),) * 4
    assert case.real.pitches[:4].tolist() == [60, 62, 64, 65]


def test_a_piece_too_short_is_a_reason_not_a_case():
    assert make_case(tune12(0), MELODY, seed_bars=4, bars=16) == "shorter than the seed and the continuation"
    assert make_case(tune12(0), MELODY, seed_bars=4, bars=8) != "shorter than the seed and the continuation"


def test_the_key_comes_from_the_piece_or_the_seed():
    # a seed of D minor arpeggios and scale, then a long stretch in F major
    seed = [Note(p, 80, 0.25 * i, 0.25 * (i + 1)) for i, p in enumerate([62, 65, 69, 62, 64, 65, 67, 69] * 2)]
    rest = [Note(p, 80, 4.0 + 0.5 * i, 4.0 + 0.5 * (i + 1)) for i, p in enumerate([65, 67, 69, 70, 72, 65] * 8)]
    seq = NoteSequence(notes=make_notes(seed + rest), tempos=(TempoChange(0.0, 120.0),))
    assert make_case(seq, MELODY, 2, 4, key_from="seed").key == (2, True)
    assert make_case(seq, MELODY, 2, 4, key_from="piece").key == (5, False)
