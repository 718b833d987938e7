"""A piano-roll picture of a NoteSequence as PNG (``rnnmusic generate --plot``), drawn with numpy and Pillow.

Time runs left to right in quarter notes (so bars are evenly spaced whatever the
tempo map), pitch bottom to top. Seed notes and continuation notes get different
colours, bar lines are drawn across, rows of black keys are shaded and every C has
a line, so the picture reads like a DAW's piano roll; the C rows are named on the
left and the bars numbered along the bottom. A long piece wraps onto several lines
of whole bars, like a score, instead of becoming one strip too wide to look at;
a very long one is also drawn narrower, so the picture stays a few screens tall.

numpy draws the roll (:func:`render`, one array per line); Pillow adds the labels
and writes the PNG. Pillow is imported only here, so it costs nothing at start-up.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np

from rnnmusic.grid import StepGrid
from rnnmusic.notes import NoteSequence
from rnnmusic.summary import pitch_name

SEED_COLOUR = (59, 111, 182)
CONTINUATION_COLOUR = (232, 128, 26)
BACKGROUND = (255, 255, 255)
BLACK_KEY_ROW = (241, 242, 245)
C_LINE = (205, 208, 214)
BEAT_LINE = (230, 232, 236)
BAR_LINE = (150, 154, 162)
START_LINE = (200, 40, 40)
LABEL_COLOUR = (60, 64, 72)
_BLACK_KEYS = {1, 3, 6, 8, 10}

PIXELS_PER_QUARTER = 24
ROW_HEIGHT = 5
LINE_WIDTH = 1600  # the widest a line of the roll gets: about a screen, 16 bars of 4/4 at full scale
MAX_LINES = 12  # beyond this many lines a piece is drawn narrower instead (down to MIN_PIXELS_PER_QUARTER)
MIN_PIXELS_PER_QUARTER = 2
LEFT_MARGIN = 34  # room for "C#-1"-sized pitch names
TOP_MARGIN = 6
BOTTOM_MARGIN = 16  # room for bar numbers
LINE_GAP = 10
MIN_LABEL_GAP = 28  # pixels between bar numbers; denser bars are numbered every 2nd, 4th, ...


def pitch_range(seq: NoteSequence) -> tuple[int, int]:
    """The lowest and highest pitch drawn: the notes' range with two rows of margin (middle C's octave if empty)."""
    notes = seq.notes
    low, high = (int(notes["pitch"].min()) - 2, int(notes["pitch"].max()) + 2) if len(notes) else (58, 70)
    return max(low, 0), min(high, 127)


def render(seq: NoteSequence, continuation_start: float | None = None, pixels_per_quarter: float = PIXELS_PER_QUARTER,
           row_height: int = ROW_HEIGHT, window: tuple[float, float] | None = None,
           grid: StepGrid | None = None) -> np.ndarray:
    """The piano roll, without labels, as an RGB array ``[rows * row_height, width, 3]``.

    Notes starting at or after ``continuation_start`` (seconds) are continuation; ``window`` (start
    and end in quarter notes) draws only that stretch, the whole piece by default. ``grid`` is the
    piece's :func:`quarter_grid`, when the caller has it already.
    """
    quarters = grid or quarter_grid(seq)
    notes = seq.notes
    low, high = pitch_range(seq)
    scale = float(pixels_per_quarter)
    first, last = window if window is not None else (0.0, total_quarters(seq, quarters))
    width = math.ceil((last - first) * scale) + 1
    image = np.empty(((high - low + 1) * row_height, width, 3), dtype=np.uint8)
    image[:] = BACKGROUND

    def x_of(q) -> np.ndarray:
        return np.rint((np.asarray(q, dtype=np.float64) - first) * scale).astype(np.int64)

    def column(q: float) -> int | None:
        x = int(x_of(q))
        return x if 0 <= x <= width - 1 else None

    def row_span(pitch: int) -> slice:
        top = (high - pitch) * row_height
        return slice(top, top + row_height)

    for pitch in range(low, high + 1):
        if pitch % 12 in _BLACK_KEYS:
            image[row_span(pitch)] = BLACK_KEY_ROW
        if pitch % 12 == 0:
            image[row_span(pitch).stop - 1] = C_LINE
    for beat in range(math.floor(first), math.ceil(last) + 1):
        if (x := column(beat)) is not None:
            image[:, x] = BEAT_LINE
    for bar in quarters.bar_starts(math.ceil(last) + 1):
        if (x := column(bar)) is not None:
            image[:, x] = BAR_LINE
    split = None if continuation_start is None else float(quarters.to_steps(continuation_start))
    if split is not None and len(notes) and (x := column(split)) is not None:
        image[:, x] = START_LINE

    starts, ends = x_of(quarters.to_steps(notes["start"])), x_of(quarters.to_steps(notes["end"]))
    # a seed note the model held on past the seed's end shows the held part as continuation
    split_x = int(x_of(split)) if split is not None else width
    seed_colour = np.array(SEED_COLOUR, dtype=np.uint8)
    new_colour = np.array(CONTINUATION_COLOUR, dtype=np.uint8)
    for pitch, x0, x1 in zip(notes["pitch"].tolist(), starts.tolist(), ends.tolist()):
        x1 = max(x1, x0 + 2)
        if x1 <= 0 or x0 >= width:
            continue  # outside this window
        span = row_span(pitch)
        top, bottom = span.start + 1, span.stop - 1
        left, right = max(x0, 0), min(x1, width)
        middle = min(max(split_x, left), right)
        image[top:bottom, left:middle] = seed_colour
        image[top:bottom, middle:right] = new_colour
        if x0 >= 0:  # a darker edge where a note starts
            image[top:bottom, x0] = (seed_colour if x0 < split_x else new_colour) // 2
    return image


def quarter_grid(seq: NoteSequence) -> StepGrid:
    """The piece's grid with one step per quarter note, so steps are quarters."""
    return StepGrid.for_sequence(seq, 1)


def total_quarters(seq: NoteSequence, grid: StepGrid) -> float:
    return float(grid.to_steps(max(seq.total_time, 1e-3)))


def layout(seq: NoteSequence, grid: StepGrid | None = None) -> tuple[float, list[tuple[float, float, int]]]:
    """The scale (pixels per quarter) and the lines: (first quarter, last quarter, number of the first bar).

    Each line holds whole bars and is at most LINE_WIDTH wide (a bar wider than that gets a line of its own).
    """
    grid = grid or quarter_grid(seq)
    total = total_quarters(seq, grid)
    scale = float(PIXELS_PER_QUARTER)
    if total * scale > LINE_WIDTH * MAX_LINES:
        scale = max(float(MIN_PIXELS_PER_QUARTER), LINE_WIDTH * MAX_LINES / total)
    bars = [float(b) for b in grid.bar_starts(math.ceil(total))] + [total]
    lines: list[tuple[float, float, int]] = []
    first = 0
    for index in range(1, len(bars)):
        if index == len(bars) - 1 or (bars[index + 1] - bars[first]) * scale > LINE_WIDTH:
            lines.append((bars[first], bars[index], first + 1))
            first = index
    return scale, lines


def _bar_label_step(bars: Sequence[float], scale: float) -> int:
    """Number every bar, or every 2nd, 4th, ... when bars are too narrow for their numbers."""
    widths = np.diff(np.asarray(bars, dtype=np.float64)) * scale
    narrowest = float(widths.min()) if len(widths) else float("inf")
    step = 1
    while narrowest * step < MIN_LABEL_GAP:
        step *= 2
    return step


def piano_roll_png(seq: NoteSequence, continuation_start: float | None = None) -> bytes:
    """PNG bytes of the labelled piano roll: pitch names on the left, bar numbers below, wrapped into lines."""
    from PIL import Image, ImageDraw, ImageFont

    grid = quarter_grid(seq)
    scale, lines = layout(seq, grid)
    low, high = pitch_range(seq)
    rolls = [render(seq, continuation_start, scale, ROW_HEIGHT, (q0, q1), grid) for q0, q1, _ in lines]
    roll_height = rolls[0].shape[0]
    line_height = TOP_MARGIN + roll_height + BOTTOM_MARGIN
    width = LEFT_MARGIN + max(roll.shape[1] for roll in rolls) + 1
    canvas = Image.new("RGB", (width, line_height * len(lines) + LINE_GAP * (len(lines) - 1)), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=10)
    named = [p for p in range(low, high + 1) if p % 12 == 0] or [low]  # every C, else the lowest pitch
    all_bars = grid.bar_starts(math.ceil(lines[-1][1]))
    label_every = _bar_label_step([*all_bars, lines[-1][1]], scale)
    for index, ((q0, _, first_bar), roll) in enumerate(zip(lines, rolls)):
        top = index * (line_height + LINE_GAP) + TOP_MARGIN
        canvas.paste(Image.fromarray(roll), (LEFT_MARGIN, top))
        for pitch in named:
            middle = top + (high - pitch) * ROW_HEIGHT + ROW_HEIGHT / 2
            draw.text((LEFT_MARGIN - 4, middle), pitch_name(pitch), fill=LABEL_COLOUR, font=font, anchor="rm")
        for number, bar in enumerate(all_bars, start=1):
            if number >= first_bar and (number - 1) % label_every == 0:
                x = LEFT_MARGIN + round((bar - q0) * scale)
                if x < LEFT_MARGIN + roll.shape[1]:
                    draw.text((x + 2, top + roll_height + 2), str(number), fill=LABEL_COLOUR, font=font, anchor="la")
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()
