"""Corpus conversion: music21 scores to NoteSequences (pickups, ties, tempo, meter, parts)."""

from __future__ import annotations

import pytest
from support import require

try:
    import music21
except ImportError:
    music21 = None

from rnnmusic.training.recipes.corpus_to_midi import Piece, split_abc, spread_subset
from rnnmusic.training.recipes.music21_convert import QuarterClock

TUNE = """X:7
T:Test tune
M:2/4
L:1/8
Q:1/4=90
K:D
A | "G"d2 f-g | a2- a2 | [df]4 |]
"""


def parse_abc(text: str):
    require(music21 is not None, "music21")
    from music21 import converter, stream

    parsed = converter.parse(text, format="abc")
    return parsed.scores[0] if isinstance(parsed, stream.Opus) else parsed


def quarters(seq, seconds: float) -> float:
    return seconds * seq.qpm / 60.0


def test_folk_tune_keeps_pickup_tempo_meter_and_key():
    from rnnmusic.training.recipes.music21_convert import score_to_sequence

    seq = score_to_sequence(parse_abc(TUNE), melody=True)
    assert seq.qpm == 90.0
    assert (seq.time_signatures[0].numerator, seq.time_signatures[0].denominator) == (2, 4)
    assert (seq.key_signatures[0].key, seq.key_signatures[0].minor) == (2, False)
    notes = list(seq.iter_notes())
    # the pickup A (an eighth) ends the padded first bar: it starts 1.5 quarters in, bar 1 at 2.0
    assert notes[0].pitch == 69 and quarters(seq, notes[0].start) == pytest.approx(1.5)
    assert quarters(seq, notes[1].start) == pytest.approx(2.0)


def test_tie_joins_equal_pitches_only_and_chords_keep_the_top_note():
    from rnnmusic.training.recipes.music21_convert import score_to_sequence

    seq = score_to_sequence(parse_abc(TUNE), melody=True)
    pitches = [n.pitch for n in seq.iter_notes()]
    # "f-g" is a tie between different pitches in the source: both notes stay; "a2- a2" becomes one note;
    # the chord symbol "G" is not a note; the chord [df] keeps its top note
    assert pitches == [69, 74, 78, 79, 81, 78]
    a = list(seq.iter_notes())[4]
    assert quarters(seq, a.end - a.start) == pytest.approx(2.0)


def test_tune_without_tempo_plays_at_120():
    from rnnmusic.training.recipes.music21_convert import score_to_sequence

    seq = score_to_sequence(parse_abc(TUNE.replace("Q:1/4=90\n", "")), melody=True)
    assert seq.qpm == 120.0


def test_chorale_parts_by_name_or_pitch_order():
    require(music21 is not None, "music21")
    from music21 import note, stream

    from rnnmusic.training.recipes.music21_convert import pick_parts

    parts = []
    for pitch in ("C3", "G4", "E4", "C5"):
        part = stream.Part()
        part.append(note.Note(pitch, quarterLength=1))
        parts.append(part)
    ordered = pick_parts(parts, ("Soprano", "Alto", "Tenor", "Bass"))  # unnamed: highest first
    assert [p.flatten().notes[0].pitch.nameWithOctave for p in ordered] == ["C5", "G4", "E4", "C3"]
    for part, name in zip(parts, ("Bass Continuo", "Soprano Oboe 1", "Tenor", "Alto")):
        part.partName = name
    assert [p.partName for p in pick_parts(parts, ("Soprano", "Alto", "Tenor", "Bass"))] == [
        "Soprano Oboe 1", "Alto", "Tenor", "Bass Continuo"]
    parts[0].partName = "Soprano 2"
    parts[1].partName = "Soprano 1"
    with pytest.raises(ValueError, match="no single part"):
        pick_parts(parts, ("Soprano", "Alto", "Tenor", "Bass"))


def test_quarter_clock_follows_tempo_changes():
    clock = QuarterClock.from_marks([(4.0, 60.0), (0.0, 120.0)])
    assert clock(2.0) == pytest.approx(1.0)
    assert clock(4.0) == pytest.approx(2.0)
    assert clock(5.0) == pytest.approx(3.0)
    assert QuarterClock.from_marks([])(1.0) == pytest.approx(0.5)


def test_split_abc_counts_tunes_sharing_a_number():
    text = "%comment\nX:1\nT:a\nK:C\nC|\n\nX:1\nT:b\nK:C\nD|\nX:2\nT:c\nK:C\nE|\n"
    tunes = split_abc(text)
    assert [t.splitlines()[1] for t in tunes] == ["T:a", "T:b", "T:c"]


def test_spread_subset_is_deterministic_and_spread():
    pieces = [Piece("c", f"c/{i}.abc", 0, "folk") for i in range(100)]
    chosen = spread_subset(pieces, 10)
    assert chosen == spread_subset(pieces, 10)
    assert [p.path for p in chosen] == [f"c/{i}.abc" for i in range(0, 100, 10)]
    assert spread_subset(pieces, None) == pieces


def test_piece_file_names():
    assert Piece("oneills1850", "oneills1850/0001-0050.abc", 1, "folk").out_name == "oneills1850/0001-0050-0002.mid"
    assert Piece("bach", "bach/bwv66.6.mxl", 0, "chorale").out_name == "bach/bwv66.6.mid"
