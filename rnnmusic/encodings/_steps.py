"""Step-grid helpers of the grid encodings (melody, polyphony, drums).

Every grid encoding quantises on :class:`rnnmusic.grid.StepGrid`, which follows the
sequence's tempo map, and turns steps back into seconds on the template's grid.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.encodings.checks import check_length
from rnnmusic.encodings.note_rules import DropCounter, dedupe_onsets, resolve_same_pitch
from rnnmusic.encodings.ragged import ragged_arange
from rnnmusic.grid import StepGrid
from rnnmusic.notes import NoteSequence

#: a quantised note shorter than this many steps (onset and end on the same step) is dropped
MIN_STEPS = 0.5


def grid_of(seq: NoteSequence | None, steps_per_quarter: int) -> StepGrid:
    """The grid of ``seq`` (its tempo map), or 120 qpm in 4/4 without a sequence."""
    return StepGrid.for_sequence(seq if seq is not None else NoteSequence(), steps_per_quarter)


def checked_grid(seq: NoteSequence, steps_per_quarter: int, encoding: str) -> StepGrid:
    """The grid of a piece about to be encoded, once its length in steps is known to be within MAX_TOKENS.

    The length runs to ``seq.total_time``: a seed is padded with silence up to it before a model reads it.
    """
    grid = grid_of(seq, steps_per_quarter)
    check_length(seq, encoding, float(np.ceil(grid.to_steps(seq.total_time))), "steps")
    return grid


def check_note_steps(seq: NoteSequence, onset: np.ndarray, end: np.ndarray, encoding: str, steps: int = 0) -> None:
    """Refuse a piece whose notes' steps (plus ``steps``) exceed MAX_TOKENS, before they are laid out."""
    check_length(seq, encoding, float(np.sum(end - onset, dtype=np.float64)) + steps, "note-steps")


def quantize_durations(
    grid: StepGrid, notes: np.ndarray, drops: DropCounter
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Onset and end steps of ``notes``; returns ``(kept, onset, end)`` with ``kept`` indexing ``notes``.

    Both times round to the nearest step. A note whose onset and end round to the same step
    is kept as one step long when it lasts at least half a step, and dropped as ``too_short``
    otherwise (that includes zero-length notes). A note whose onset rounds to a step before
    0 is dropped as ``negative_time``.
    """
    if len(notes) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    onset = grid.quantize(notes["start"])
    end = grid.quantize(notes["end"])
    length = np.asarray(grid.to_steps(notes["end"])) - np.asarray(grid.to_steps(notes["start"]))
    negative = onset < 0
    collapsed = end <= onset
    too_short = collapsed & (length < MIN_STEPS) & ~negative
    end = np.where(collapsed, onset + 1, end)
    drops.add("negative_time", negative.sum())
    drops.add("too_short", too_short.sum())
    kept = np.flatnonzero(~(too_short | negative))
    return kept, onset[kept], end[kept]


def resolve_notes(
    pitch: np.ndarray, onset: np.ndarray, end: np.ndarray, drops: DropCounter
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply the same-pitch rule of the grid encodings; returns (pitch, onset, end) sorted by (pitch, onset).

    Notes of one pitch with the same onset step collapse into the longest (the others count
    as ``duplicate``); then a pitch sounds over the union of its notes and every onset starts
    a new note (see :func:`rnnmusic.encodings.note_rules.resolve_same_pitch`).
    """
    keep = dedupe_onsets(pitch, onset, end)
    drops.add("duplicate", len(pitch) - len(keep))
    pitch, onset, end = pitch[keep], onset[keep], end[keep]
    order, new_end = resolve_same_pitch(pitch, onset, end)
    return pitch[order].astype(np.int64), onset[order].astype(np.int64), new_end.astype(np.int64)


def note_cells(pitch: np.ndarray, onset: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (step, pitch) a note sounds in: ``(step, pitch, note_index)``, note by note."""
    lengths = end - onset
    steps = ragged_arange(onset, lengths)
    index = np.repeat(np.arange(len(pitch)), lengths)
    return steps, pitch[index], index


def runs_to_notes(step: np.ndarray, pitch: np.ndarray, onset: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells (step, pitch, starts-a-note flag) back to notes ``(pitch, start_step, end_step)``.

    A note starts at a flagged cell, or at a cell whose pitch did not sound at the step before
    (so a ``held`` with nothing to hold acts as an onset), and lasts through the following
    steps in which its pitch sounds unflagged. Duplicate cells merge (flagged wins).
    """
    if len(step) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    step = np.asarray(step, dtype=np.int64)
    pitch = np.asarray(pitch, dtype=np.int64)
    order = np.lexsort((~np.asarray(onset, dtype=bool), step, pitch))
    s, p, f = step[order], pitch[order], np.asarray(onset, dtype=bool)[order]
    unique = np.ones(len(s), dtype=bool)
    unique[1:] = (s[1:] != s[:-1]) | (p[1:] != p[:-1])
    s, p, f = s[unique], p[unique], f[unique]
    starts = f.copy()
    starts[0] = True
    starts[1:] |= (p[1:] != p[:-1]) | (s[1:] != s[:-1] + 1)
    first = np.flatnonzero(starts)
    last = np.append(first[1:], len(s)) - 1
    return p[first], s[first], s[last] + 1
