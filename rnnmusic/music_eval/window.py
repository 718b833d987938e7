"""A window of bars on the step grid: what every musical metric reads.

A :class:`Window` holds the notes that start inside some whole bars of a piece, as
integer grid steps from the window's first bar line, with the bar lines, each bar's
meter and its number in the piece. Metrics are pure functions of a window, so the
model's continuations, the real continuations and the baselines are all measured by
the same code on the same grid. Notes are cut at the window's end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnmusic.grid import StepGrid
from rnnmusic.notes import NoteSequence

_EPS = 1e-6


@dataclass(frozen=True)
class Window:
    """Notes of whole bars: ``onsets`` (sorted), ``durations`` (>= 1) and ``pitches``, in grid steps.

    ``bar_lines`` has one entry per bar plus the window's end; ``meters`` gives each bar's
    (numerator, denominator); ``bar_numbers`` each bar's number in the piece, counted from 1 at
    the first full bar (a pickup is bar 0); ``key`` is (tonic pitch class, minor) or None.
    """

    onsets: np.ndarray
    durations: np.ndarray
    pitches: np.ndarray
    bar_lines: np.ndarray
    meters: tuple[tuple[int, int], ...]
    bar_numbers: tuple[int, ...]
    steps_per_quarter: int
    key: tuple[int, bool] | None = None

    @property
    def bars(self) -> int:
        return len(self.bar_lines) - 1

    @property
    def length(self) -> int:
        """Steps from the first bar line to the end."""
        return int(self.bar_lines[-1] - self.bar_lines[0])

    def bar_of(self, steps: np.ndarray) -> np.ndarray:
        """Index of the bar each step lies in."""
        return np.searchsorted(self.bar_lines, np.asarray(steps), side="right") - 1

    def bar_events(self, index: int, with_pitch: bool = True) -> tuple:
        """The bar's notes as a sorted tuple of (offset, duration[, pitch]): what 'the same bar' compares."""
        lo, hi = self.bar_lines[index], self.bar_lines[index + 1]
        inside = (self.onsets >= lo) & (self.onsets < hi)
        rows = zip((self.onsets[inside] - lo).tolist(), self.durations[inside].tolist(), self.pitches[inside].tolist())
        return tuple(sorted(r if with_pitch else r[:2] for r in rows))

    def sounding(self, step: int) -> np.ndarray:
        """Pitches sounding at ``step`` (started at or before it, not yet ended)."""
        on = (self.onsets <= step) & (self.onsets + self.durations > step)
        return self.pitches[on]


def make_window(onsets, durations, pitches, bar_lengths, meters=None, first_bar: int = 1,
                steps_per_quarter: int = 4, key: tuple[int, bool] | None = None) -> Window:
    """A window from plain lists (steps from its start), sorted, with notes cut at its end."""
    lengths = [int(n) for n in bar_lengths]
    lines = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    on = np.asarray(onsets, dtype=np.int64)
    dur = np.maximum(np.asarray(durations, dtype=np.int64), 1)
    pitch = np.asarray(pitches, dtype=np.int64)
    keep = (on >= 0) & (on < lines[-1])
    on, dur, pitch = on[keep], dur[keep], pitch[keep]
    dur = np.minimum(dur, lines[-1] - on)
    order = np.lexsort((pitch, on))
    if meters is None:
        meters = tuple((max(1, n // steps_per_quarter), 4) for n in lengths)  # quarter-note beats
    return Window(on[order], dur[order], pitch[order], lines, tuple(meters),
                  tuple(range(first_bar, first_bar + len(lengths))), steps_per_quarter, key)


def bar_lines_of(seq: NoteSequence, grid: StepGrid, bars_needed: int) -> np.ndarray:
    """The first ``bars_needed + 1`` bar lines of ``seq`` in steps (past its end where needed)."""
    longest = max(grid.steps_per_bar_at(step) for step, _, _ in grid.meter_steps)
    total = int(np.ceil(grid.to_steps(seq.total_time) - _EPS)) if seq.total_time > 0 else 0
    lines = grid.bar_starts(max(total, 1) + longest * (bars_needed + 2))
    return np.asarray(lines[: bars_needed + 1], dtype=np.int64)


def complete_bars(seq: NoteSequence, grid: StepGrid) -> int:
    """How many bars of ``seq`` begin before its end (the last one may be short, as a tune's last bar often is)."""
    total = grid.to_steps(seq.total_time) if seq.total_time > 0 else 0.0
    lines = grid.bar_starts(int(np.ceil(total - _EPS)))
    return len(lines)


def has_pickup(seq: NoteSequence, grid: StepGrid) -> bool:
    """True when the first bar is an anacrusis: its first note starts after its bar line, or it is shorter
    than the bar after it (a pickup written as a bar of its own meter, e.g. 1/4 before 4/4)."""
    if len(seq.notes) == 0:
        return False
    first_bar = grid.steps_per_bar_at(0)
    if first_bar < grid.steps_per_bar_at(first_bar):
        return True
    first = grid.quantize(float(seq.notes["start"].min()))
    return 0 < int(first) < first_bar


def window_from(seq: NoteSequence, grid: StepGrid, first_bar: int, bars: int,
                key: tuple[int, bool] | None = None, bar_number: int = 1) -> Window:
    """Bars ``first_bar`` .. ``first_bar + bars - 1`` (0-based bar index on ``grid``) of ``seq`` as a window.

    ``bar_number`` is the piece's number of the first of them (1 for the first full bar).
    """
    lines = bar_lines_of(seq, grid, first_bar + bars)[first_bar:]
    notes = seq.notes[~seq.notes["is_drum"]]
    on = grid.quantize(notes["start"])
    off = grid.quantize(notes["end"])
    meters = tuple(grid.meter_at(int(s)) for s in lines[:-1])
    origin = int(lines[0])
    return make_window(on - origin, np.maximum(off - on, 1), notes["pitch"], np.diff(lines), meters,
                       bar_number, grid.steps_per_quarter, key)
