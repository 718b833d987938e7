"""A piano-roll picture of a NoteSequence as PNG, drawn with numpy alone (no matplotlib).

Time runs left to right in quarter notes (so bars are evenly spaced whatever the
tempo map), pitch bottom to top. Seed notes and continuation notes get different
colours, bar lines are drawn across, rows of black keys are shaded and every C has
a line, so the picture reads like a DAW's piano roll. The PNG encoder is the
minimal one the format allows: 8-bit RGB, one IDAT chunk, filter 0, zlib.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from rnnmusic.grid import StepGrid
from rnnmusic.notes import NoteSequence

SEED_COLOUR = (59, 111, 182)
CONTINUATION_COLOUR = (232, 128, 26)
BACKGROUND = (255, 255, 255)
BLACK_KEY_ROW = (241, 242, 245)
C_LINE = (205, 208, 214)
BEAT_LINE = (230, 232, 236)
BAR_LINE = (150, 154, 162)
START_LINE = (200, 40, 40)
_BLACK_KEYS = {1, 3, 6, 8, 10}
MAX_WIDTH = 6000


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an RGB image ``[height, width, 3]`` uint8."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width, channels = image.shape
    if channels != 3:
        raise ValueError("encode_png wants an RGB image")
    rows = np.zeros((height, 1 + width * 3), dtype=np.uint8)  # a leading 0 per row: filter type "none"
    rows[:, 1:] = image.reshape(height, width * 3)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + _chunk(b"IEND", b""))


def render(seq: NoteSequence, continuation_start: float | None = None, pixels_per_quarter: int = 24,
           row_height: int = 5) -> np.ndarray:
    """The piano roll as an RGB array; notes starting at or after ``continuation_start`` (seconds) are continuation."""
    quarters = StepGrid.for_sequence(seq, 1)  # one step per quarter note: steps are quarters
    notes = seq.notes
    if len(notes):
        low, high = int(notes["pitch"].min()) - 2, int(notes["pitch"].max()) + 2
    else:
        low, high = 58, 70
    low, high = max(low, 0), min(high, 127)
    total_quarters = float(quarters.to_steps(max(seq.total_time, 1e-3)))
    scale = min(float(pixels_per_quarter), (MAX_WIDTH - 1) / max(total_quarters, 1e-3))
    width = int(np.ceil(total_quarters * scale)) + 1
    rows = high - low + 1
    image = np.empty((rows * row_height, width, 3), dtype=np.uint8)
    image[:] = BACKGROUND

    def row_span(pitch: int) -> slice:
        top = (high - pitch) * row_height
        return slice(top, top + row_height)

    for pitch in range(low, high + 1):
        if pitch % 12 in _BLACK_KEYS:
            image[row_span(pitch)] = BLACK_KEY_ROW
        if pitch % 12 == 0:
            image[row_span(pitch).stop - 1] = C_LINE
    for beat in range(int(total_quarters) + 1):
        image[:, min(int(round(beat * scale)), width - 1)] = BEAT_LINE
    for bar in quarters.bar_starts(int(np.ceil(total_quarters)) + 1):
        image[:, min(int(round(bar * scale)), width - 1)] = BAR_LINE
    if continuation_start is not None and len(notes):
        x = min(int(round(quarters.to_steps(continuation_start) * scale)), width - 1)
        image[:, x] = START_LINE

    starts = np.rint(np.asarray(quarters.to_steps(notes["start"])) * scale).astype(np.int64)
    ends = np.rint(np.asarray(quarters.to_steps(notes["end"])) * scale).astype(np.int64)
    # a seed note the model held on past the seed's end shows the held part as continuation
    split = int(round(quarters.to_steps(continuation_start) * scale)) if continuation_start is not None else width
    seed_colour = np.array(SEED_COLOUR, dtype=np.uint8)
    new_colour = np.array(CONTINUATION_COLOUR, dtype=np.uint8)
    for pitch, x0, x1 in zip(notes["pitch"].tolist(), starts.tolist(), ends.tolist()):
        span = row_span(pitch)
        top, bottom = span.start + 1, span.stop - 1
        x1 = min(max(x1, x0 + 2), width)
        middle = min(max(split, x0), x1)
        image[top:bottom, x0:middle] = seed_colour
        image[top:bottom, middle:x1] = new_colour
        image[top:bottom, x0] = (seed_colour if x0 < split else new_colour) // 2  # a darker edge where a note starts
    return image


def piano_roll_png(seq: NoteSequence, continuation_start: float | None = None) -> bytes:
    """PNG bytes of the piano roll (see :func:`render`)."""
    return encode_png(render(seq, continuation_start))

