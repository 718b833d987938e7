"""Tunes converted as played: repeats written out (AABB), meters as written, on hand-made ABC."""

from __future__ import annotations

import pytest
from support import require

try:
    import music21
except ImportError:
    music21 = None

TWO_STRAINS = """X:1
T:Two strains
M:2/4
L:1/8
K:D
|: D2 F2 | A2 F2 | D2 E2 | F4 :|
| A2 B2 | c2 d2 | A2 F2 | D4 :|
"""

PICKUP_SECOND_STRAIN = """X:2
T:Pickup into the second strain
M:2/4
L:1/16
K:G
G2A2 B2c2 | d4 B4 | c4 A4 | G6 z ||
G | B2d2 g4 | f4 d4 | e4 c4 | G8 ||
"""


def parse(text):
    require(music21 is not None, "music21 (the recipes read the corpus with it)")
    from music21 import converter

    return converter.parse(text, format="abc")


@pytest.mark.slow
def test_each_strain_is_repeated_once_as_a_fiddler_reads_the_marks():
    from rnnmusic.training.recipes.corpus_to_midi import as_played
    from rnnmusic.training.recipes.music21_convert import score_to_sequence

    score = parse(TWO_STRAINS)
    seq = score_to_sequence(as_played(score), melody=True)
    pitches = [int(p) for p in seq.notes["pitch"]]
    a, b = [62, 66, 69, 66, 62, 64, 66], [69, 71, 73, 74, 69, 66, 62]
    assert pitches == a + a + b + b  # AABB, not AABAB (music21's own reading of the second :|)


@pytest.mark.slow
def test_a_one_bar_pickup_meter_is_not_the_tunes_meter():
    from rnnmusic.training.recipes.corpus_to_midi import as_played
    from rnnmusic.training.recipes.music21_convert import score_to_sequence

    seq = score_to_sequence(as_played(parse(PICKUP_SECOND_STRAIN)), melody=True)
    assert [(t.numerator, t.denominator) for t in seq.time_signatures] == [(2, 4)]
