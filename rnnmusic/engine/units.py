"""Where a continuation sits in time, in the encoding's own units, and silence to pad a phrase to its end.

Grid encodings count time in steps (``steps_per_quarter`` per quarter note, on the
seed's tempo map); the performance encoding counts seconds. A continuation starts
where the seed's tokens end and runs at the seed's last tempo and meter, so its
length in bars, steps or seconds converts to units with those.

A seed's last note may end before the seed does (a rest at the end, or notes the
encoding could not keep); the continuation must still start where the seed ends, so
the tokens the model reads are followed by silence up to there (:func:`pad_with_silence`).
"""

from __future__ import annotations

import numpy as np

from rnnmusic.encodings import Encoding
from rnnmusic.errors import ConfigError
from rnnmusic.grid import StepGrid
from rnnmusic.notes import NoteSequence

#: the grid used to find bar lines for encodings that have no grid of their own
_BAR_GRID_STEPS = 4


class UnitMap:
    """The seed's end and the unit conversions of one encoding on one seed."""

    def __init__(self, encoding: Encoding, seed: NoteSequence | None, seed_ids: np.ndarray,
                 grid: StepGrid | None = None):
        self.encoding = encoding
        self.template = seed if seed is not None else NoteSequence()
        self.uses_grid = encoding.uses_grid
        spq = _steps_per_quarter(encoding)
        #: the seed's grid, built once by whoever read the seed and passed along (see :func:`seed_grid`)
        self.grid = grid if grid is not None else seed_grid(encoding, self.template)
        ids = np.asarray(seed_ids, dtype=np.int64)
        self.seed_units = float(encoding.time_advance[ids].sum()) if len(ids) else 0.0
        self.start_seconds = self.to_seconds(self.seed_units)
        end_step = self.grid.to_steps(self.start_seconds)
        self.qpm = float(self.grid.qpms[np.searchsorted(self.grid.tempo_times, self.start_seconds, side="right") - 1])
        self.meter = self.grid.meter_at(int(np.floor(end_step + 1e-9)))
        #: encoding units in one quarter note after the seed
        self.units_per_quarter = float(spq) if self.uses_grid else 60.0 / self.qpm

    @property
    def quarters_per_bar(self) -> float:
        numerator, denominator = self.meter
        return numerator * 4.0 / denominator

    def to_seconds(self, units):
        """Encoding units from the start of the seed to seconds in the output."""
        if self.uses_grid:
            return self.grid.to_seconds(units)
        seconds = np.asarray(units, dtype=np.float64)
        return float(seconds) if seconds.ndim == 0 else seconds

    def target_units(self, length: tuple[str, float]) -> float:
        """How many units of continuation a length ("bars" | "steps" | "seconds", amount) asks for."""
        kind, amount = length
        if kind == "bars":
            return amount * self.quarters_per_bar * self.units_per_quarter
        if kind == "seconds":
            return amount * self.qpm / 60.0 * self.units_per_quarter
        if not self.uses_grid:
            raise ConfigError(f"steps: the {self.encoding.name} encoding has no step grid; give bars or seconds")
        return amount

    def bar_line_before(self, seconds: float) -> float:
        """The time of the last bar line at or before ``seconds`` (for a continuation cut out on its own)."""
        step = self.grid.to_steps(seconds)
        starts = self.grid.bar_starts(int(np.floor(step + 1e-6)) + 1)
        return float(self.grid.to_seconds(starts[-1])) if starts else 0.0


def _steps_per_quarter(encoding: Encoding) -> int:
    """The encoding's own steps per quarter, or the bar-line grid's for an encoding without a grid."""
    if encoding.uses_grid:
        return int(getattr(encoding.config, "steps_per_quarter", _BAR_GRID_STEPS))
    return _BAR_GRID_STEPS


def seed_grid(encoding: Encoding, seq: NoteSequence) -> StepGrid:
    """The step grid of ``seq`` at the encoding's resolution: built once per seed, used for its units and bars."""
    return StepGrid.for_sequence(seq, _steps_per_quarter(encoding))


def units_of(encoding: Encoding, seq: NoteSequence, seconds: float, grid: StepGrid | None = None) -> float:
    """``seconds`` into ``seq`` in the encoding's units (steps on seq's own tempo map, or seconds).

    ``grid`` is ``seq``'s :func:`seed_grid` when the caller has it already."""
    if not encoding.uses_grid:
        return float(seconds)
    return float(np.rint((grid if grid is not None else seed_grid(encoding, seq)).to_steps(seconds)))


def pad_with_silence(encoding: Encoding, ids: np.ndarray, end_units: float) -> np.ndarray:
    """``ids`` followed by silence until they last ``end_units`` (int64; unchanged when they already do)."""
    # summed in float64 as everywhere else a position is kept, so the same seed gets the same padding
    gap = end_units - float(np.asarray(encoding.time_advance, dtype=np.float64)[ids].sum()) if len(ids) else end_units
    if gap > 0:
        ids = np.concatenate([ids, silence_tokens(encoding, ids, gap)])
    return np.asarray(ids, dtype=np.int64)


def silence_tokens(encoding: Encoding, ids: np.ndarray, units: float) -> list[int]:
    """Tokens that add ``units`` of silence after ``ids`` (as nearly as the encoding's steps allow).

    A candidate is a token that moves time and carries no pitch; it is used only when the follow
    table allows it and decoding proves it adds no note and changes none (a melody ``hold`` moves
    time too, but lengthens the note before it).
    """
    advance = encoding.time_advance
    follow = encoding.follow_table
    before = encoding.decode(ids).notes if len(ids) else None
    candidates = [int(t) for t in np.argsort(-advance, kind="stable")
                  if advance[t] > 0 and encoding.pitch_of[t] < 0]
    tokens: list[int] = []
    last = int(ids[-1]) if len(ids) else 0
    remaining = units
    while remaining > 1e-9:
        for token in candidates:
            if advance[token] > remaining + 1e-9 or not follow[last, token]:
                continue
            trial = np.concatenate([ids, tokens, [token]]).astype(np.int64)
            after = encoding.decode(trial).notes
            if before is None and len(after) == 0 or before is not None and _same(before, after):
                tokens.append(token)
                last = token
                remaining -= float(advance[token])
                break
        else:
            break  # nothing fits what is left: the phrase ends a little early
    return tokens


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and np.array_equal(a["pitch"], b["pitch"]) and np.allclose(a["start"], b["start"]) \
        and np.allclose(a["end"], b["end"])
