"""The piano-roll PNG: seed and continuation in their colours, bar lines where bars are, pitch names and
bar numbers beside the roll, and long pieces wrapped into lines of whole bars at a sane size."""

from __future__ import annotations

import io

import numpy as np
from model_factory import melody_seed
from PIL import Image

from rnnmusic import pianoroll
from rnnmusic.notes import Note, NoteSequence, make_notes
from rnnmusic.pianoroll import (
    BAR_LINE,
    CONTINUATION_COLOUR,
    LEFT_MARGIN,
    LINE_WIDTH,
    SEED_COLOUR,
    TOP_MARGIN,
    layout,
    piano_roll_png,
    render,
)


def decode_png(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGB"
    return np.asarray(image)


def _has(image: np.ndarray, colour) -> bool:
    return bool((image == np.array(colour, dtype=np.uint8)).all(axis=2).any())


def _take() -> NoteSequence:
    seed = melody_seed(qpm=120.0, numerator=4)  # six quarter notes, 3 s
    more = [Note(74, 80, 3.0 + i * 0.5, 3.5 + i * 0.5) for i in range(4)]
    return seed.with_notes(make_notes(list(seed.iter_notes()) + more))


def test_seed_and_continuation_get_their_colours():
    take = _take()
    roll = render(take, 3.0)
    assert _has(roll, SEED_COLOUR) and _has(roll, CONTINUATION_COLOUR)
    rows, width = roll.shape[0], roll.shape[1]
    assert rows == (74 - 60 + 5) * 5  # two rows of margin below and above the pitch range
    assert width == 10 * 24 + 1  # ten quarter notes at 24 pixels each
    bar_columns = [x for x in range(width) if (roll[:, x] == np.array(BAR_LINE)).all(axis=1).mean() > 0.5]
    assert bar_columns[:3] == [0, 96, 192]  # a bar line every four quarter notes
    assert not _has(render(take), CONTINUATION_COLOUR)


def test_the_picture_is_the_roll_with_labels_around_it():
    take = _take()
    image = decode_png(piano_roll_png(take, continuation_start=3.0))
    roll = render(take, 3.0)
    inside = image[TOP_MARGIN:TOP_MARGIN + roll.shape[0], LEFT_MARGIN:LEFT_MARGIN + roll.shape[1]]
    assert np.array_equal(inside, roll)
    left = image[:, :LEFT_MARGIN - 2]
    below = image[TOP_MARGIN + roll.shape[0]:, LEFT_MARGIN:]
    assert (left != 255).any(axis=2).any(), "pitch names on the left"
    assert (below != 255).any(axis=2).any(), "bar numbers along the bottom"


def test_pitch_names_stand_beside_their_rows(monkeypatch):
    drawn: list[str] = []
    monkeypatch.setattr(pianoroll, "pitch_name", lambda pitch: drawn.append(pitch) or f"p{pitch}")
    piano_roll_png(NoteSequence(notes=make_notes([Note(50, 80, 0.0, 1.0), Note(75, 80, 1.0, 2.0)])))
    assert drawn == [48, 60, 72]  # the Cs of 48..77 (two rows of margin around the notes)


def test_a_held_seed_note_shows_its_held_part_as_continuation():
    seq = NoteSequence(notes=make_notes([Note(60, 80, 0.0, 2.0)]))  # 120 qpm: four quarter notes
    row = render(seq, continuation_start=1.0)
    row = row[row.shape[0] // 2]
    seed_x = np.flatnonzero((row == np.array(SEED_COLOUR)).all(axis=1))
    new_x = np.flatnonzero((row == np.array(CONTINUATION_COLOUR)).all(axis=1))
    assert seed_x.max() < 48 <= new_x.min() and new_x.max() >= 90


def test_an_empty_sequence_still_draws():
    assert decode_png(piano_roll_png(NoteSequence())).shape[2] == 3


def test_a_long_piece_wraps_into_lines_of_whole_bars():
    # 200 notes, half a second apart at 120 qpm: 50 bars of 4/4, 4,800 pixels as one strip
    seq = NoteSequence(notes=make_notes([Note(60 + i % 12, 80, i * 0.5, i * 0.5 + 0.4) for i in range(200)]))
    scale, lines = layout(seq)
    assert scale == 24 and len(lines) == 4
    assert [first_bar for _, _, first_bar in lines] == [1, 17, 33, 49]
    assert all(q0 % 4 == 0 and (q1 - q0) * scale <= LINE_WIDTH for q0, q1, _ in lines)
    assert lines[-1][1] == 199.8  # the last note ends at 99.9 s: 199.8 quarters at 120 qpm
    image = decode_png(piano_roll_png(seq))
    assert image.shape[1] <= LEFT_MARGIN + LINE_WIDTH + 2 and image.shape[0] > 4 * render(seq).shape[0]


def test_a_very_long_piece_is_drawn_narrower_rather_than_endlessly_tall():
    notes = make_notes([Note(60, 80, i * 0.5, i * 0.5 + 0.4) for i in range(4000)])  # 4,000 quarter notes
    scale, lines = layout(NoteSequence(notes=notes))
    assert scale < 24 and len(lines) <= pianoroll.MAX_LINES + 1
    image = decode_png(piano_roll_png(NoteSequence(notes=notes)))
    assert image.shape[1] <= LEFT_MARGIN + LINE_WIDTH + 2 and image.shape[0] < 2000
