"""The piano-roll PNG: a valid image, seed and continuation in their colours, bar lines where bars are."""

from __future__ import annotations

import struct
import zlib

import numpy as np
from model_factory import melody_seed

from rnnmusic.notes import Note, NoteSequence, make_notes
from rnnmusic.pianoroll import (
    BAR_LINE,
    CONTINUATION_COLOUR,
    SEED_COLOUR,
    encode_png,
    piano_roll_png,
    render,
)


def decode_png(data: bytes) -> np.ndarray:
    """Our own reader for the subset encode_png writes (8-bit RGB, filter 0), checking every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc
        chunks.setdefault(kind, b"")
        chunks[kind] += body
        pos += 12 + length
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 2) and b"IEND" in chunks
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(height, 1 + width * 3)
    assert not rows[:, 0].any()
    return rows[:, 1:].reshape(height, width, 3)


def _has(image: np.ndarray, colour) -> bool:
    return bool((image == np.array(colour, dtype=np.uint8)).all(axis=2).any())


def test_png_round_trip():
    image = np.random.default_rng(0).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    assert np.array_equal(decode_png(encode_png(image)), image)


def test_seed_and_continuation_get_their_colours():
    seed = melody_seed(qpm=120.0, numerator=4)  # six quarter notes, 3 s
    more = [Note(74, 80, 3.0 + i * 0.5, 3.5 + i * 0.5) for i in range(4)]
    take = seed.with_notes(make_notes(list(seed.iter_notes()) + more))
    image = decode_png(piano_roll_png(take, continuation_start=3.0))
    assert np.array_equal(image, render(take, 3.0))
    assert _has(image, SEED_COLOUR) and _has(image, CONTINUATION_COLOUR)
    rows, width = image.shape[0], image.shape[1]
    assert rows == (74 - 60 + 5) * 5  # two rows of margin below and above the pitch range
    assert width == 10 * 24 + 1  # ten quarter notes at 24 pixels each
    bar_columns = [x for x in range(width) if (image[:, x] == np.array(BAR_LINE)).all(axis=1).mean() > 0.5]
    assert bar_columns[:3] == [0, 96, 192]  # a bar line every four quarter notes
    seed_only = decode_png(piano_roll_png(take))
    assert not _has(seed_only, CONTINUATION_COLOUR)


def test_a_seed_note_held_past_the_seed_shows_its_held_part_as_continuation():
    seq = NoteSequence(notes=make_notes([Note(60, 80, 0.0, 2.0)]))  # 120 qpm: four quarter notes
    image = render(seq, continuation_start=1.0)
    row = image[image.shape[0] // 2]
    seed_x = np.flatnonzero((row == np.array(SEED_COLOUR)).all(axis=1))
    new_x = np.flatnonzero((row == np.array(CONTINUATION_COLOUR)).all(axis=1))
    assert seed_x.max() < 48 <= new_x.min() and new_x.max() >= 90


def test_an_empty_sequence_still_draws():
    assert decode_png(piano_roll_png(NoteSequence())).shape[2] == 3


def test_long_pieces_are_squeezed_to_a_sane_width():
    notes = make_notes([Note(60, 80, i * 0.5, i * 0.5 + 0.4) for i in range(4000)])
    assert render(NoteSequence(notes=notes)).shape[1] <= 6000
