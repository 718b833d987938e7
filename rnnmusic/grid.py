"""A step grid that follows a sequence's tempo map and meters.

Encodings that work in steps (melody, polyphony, drums) convert seconds to steps
and back through a :class:`StepGrid`, so a piece with tempo changes is quantised
to its own beats, not to a fixed number of milliseconds. ``steps_per_quarter`` of
4 is a sixteenth-note grid; 3 or 6 give triplet grids; 12 holds both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnmusic.notes import NoteSequence


@dataclass(frozen=True)
class StepGrid:
    steps_per_quarter: int
    tempo_times: np.ndarray  # seconds at which each tempo starts (first is 0)
    tempo_quarters: np.ndarray  # quarter-note position at which each tempo starts
    qpms: np.ndarray
    meter_steps: tuple[tuple[int, int, int], ...]  # (start step, numerator, denominator)

    @classmethod
    def for_sequence(cls, seq: NoteSequence, steps_per_quarter: int = 4) -> StepGrid:
        if steps_per_quarter < 1:
            raise ValueError("steps_per_quarter must be at least 1")
        times = np.array([t.time for t in seq.tempos], dtype=np.float64)
        qpms = np.array([t.qpm for t in seq.tempos], dtype=np.float64)
        quarters = np.zeros_like(times)
        if len(times) > 1:
            quarters[1:] = np.cumsum(np.diff(times) * qpms[:-1] / 60.0)
        grid = cls(steps_per_quarter, times, quarters, qpms, ())
        meters = tuple(
            (int(round(grid.to_steps(m.time))), m.numerator, m.denominator) for m in seq.time_signatures
        )
        return cls(steps_per_quarter, times, quarters, qpms, meters)

    @classmethod
    def constant(cls, qpm: float, steps_per_quarter: int = 4, numerator: int = 4, denominator: int = 4) -> StepGrid:
        return cls(
            steps_per_quarter,
            np.zeros(1),
            np.zeros(1),
            np.array([float(qpm)]),
            ((0, numerator, denominator),),
        )

    # -- conversions ---------------------------------------------------------
    def to_steps(self, seconds):
        """Seconds (scalar or array) to fractional steps."""
        t = np.asarray(seconds, dtype=np.float64)
        i = np.clip(np.searchsorted(self.tempo_times, t, side="right") - 1, 0, None)
        quarters = self.tempo_quarters[i] + (t - self.tempo_times[i]) * self.qpms[i] / 60.0
        result = quarters * self.steps_per_quarter
        return float(result) if result.ndim == 0 else result

    def to_seconds(self, steps):
        """Steps (scalar or array, may be fractional) to seconds."""
        q = np.asarray(steps, dtype=np.float64) / self.steps_per_quarter
        i = np.clip(np.searchsorted(self.tempo_quarters, q, side="right") - 1, 0, None)
        result = self.tempo_times[i] + (q - self.tempo_quarters[i]) * 60.0 / self.qpms[i]
        return float(result) if result.ndim == 0 else result

    def quantize(self, seconds) -> np.ndarray:
        """Seconds to the nearest whole step (as int64)."""
        return np.rint(np.asarray(self.to_steps(seconds)) + 1e-9).astype(np.int64)

    # -- bars ----------------------------------------------------------------
    def steps_per_bar_at(self, step: int) -> int:
        numerator, denominator = self.meter_at(step)
        return max(1, int(round(numerator * 4 * self.steps_per_quarter / denominator)))

    def meter_at(self, step: int) -> tuple[int, int]:
        current = (4, 4)
        for start, numerator, denominator in self.meter_steps:
            if start <= step:
                current = (numerator, denominator)
        return current

    def bar_starts(self, total_steps: int) -> list[int]:
        """Step index of every bar line from 0 up to (not including) total_steps."""
        starts: list[int] = []
        changes = list(self.meter_steps) or [(0, 4, 4)]
        step = 0
        while step < total_steps:
            starts.append(step)
            step += self.steps_per_bar_at(step)
            # a meter change re-anchors the bar grid where it happens
            for change_step, _, _ in changes:
                if starts[-1] < change_step < step:
                    step = change_step
                    break
        return starts
