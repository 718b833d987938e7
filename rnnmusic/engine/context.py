"""What a model reads beside its tokens: where it is in the bar, and what was played one,
two, four and eight bars earlier.

A melody model that sees only tokens must count sixteenths to find the bar line and
remember a bar note by note to repeat it; in practice it does neither (it repeats 0.3%
of its bars, real tunes 54%). So, after Magenta's Lookback RNN, every token position
gets a *context*, computed from the timeline, never learned:

- the position of the next token: step in the bar, steps per bar, step in the beat,
  steps per beat (the meter map of the piece decides them, so 6/8 and 3/4 differ);
- for each lookback distance d (in bars), the *proposal*: the token that came at the
  same place d bars earlier (for encodings with several tokens per step, the first
  token of that step that may follow the current token), or ``none``;
- the repeat flags: for which distances the token just read equalled its proposal
  (so the model knows it is in the middle of a repeat).

The model mixes its own next-token distribution with "the same as then" for each
proposal, with gates it learns (see ``training/model.py``); ``repetition`` moves those
gates at sampling time. This module is the one place the context is computed: the
trainer (whole pieces), the exporter's parity check, ``rnnmusic eval`` and every
generation path (one-shot, streaming, beam search, live) all use
:class:`ContextTracker`. It needs a step grid: the performance encoding (time in 10 ms
shifts, no bar lines in its tokens) has no context.

Layout of one context row (int64), named in :mod:`rnnmusic.model_file`:
``[step_in_bar, steps_per_bar, step_in_beat, steps_per_beat, repeat_flags, proposal_1 ... proposal_L]``.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnmusic.encodings import BOS_ID, Encoding
from rnnmusic.errors import ConfigError, ModelFileError

#: positions are clipped to these (a bar of 12/4 at 8 steps per quarter is 96 steps)
MAX_BAR_STEPS = 96
MAX_BEAT_STEPS = 48
POSITION_FEATURES = 4  # step_in_bar, steps_per_bar, step_in_beat, steps_per_beat
DEFAULT_LOOKBACK_BARS = (1, 2, 4, 8)
#: a meter map entry: (start step, numerator, denominator)
Meter = tuple[int, int, int]


@dataclass(frozen=True)
class ContextSpec:
    """Which context a model reads; stored in the model file (``rnnmusic.context``)."""

    lookback_bars: tuple[int, ...] = DEFAULT_LOOKBACK_BARS
    steps_per_quarter: int = 4

    @property
    def width(self) -> int:
        return POSITION_FEATURES + 1 + len(self.lookback_bars)

    @property
    def flag_codes(self) -> int:
        """Distinct values of the repeat-flags feature (a bit per lookback distance)."""
        return 2 ** len(self.lookback_bars)

    def to_json(self) -> str:
        return json.dumps({"lookback_bars": list(self.lookback_bars), "steps_per_quarter": self.steps_per_quarter},
                          sort_keys=True)

    @classmethod
    def from_dict(cls, data: Any, where: str = "<model>") -> ContextSpec:
        """Parse the metadata form; refuses wrong types or ranges with one line naming ``where``."""
        if not isinstance(data, dict) or set(data) != {"lookback_bars", "steps_per_quarter"}:
            raise ModelFileError(
                where, "has a malformed rnnmusic.context (expected lookback_bars and steps_per_quarter)"
            )
        bars, spq = data["lookback_bars"], data["steps_per_quarter"]
        ok_bars = isinstance(bars, list) and 1 <= len(bars) <= 8 and all(
            isinstance(b, int) and not isinstance(b, bool) and 1 <= b <= 64 for b in bars)
        ok_spq = isinstance(spq, int) and not isinstance(spq, bool) and 1 <= spq <= 96
        if not (ok_bars and ok_spq):
            raise ModelFileError(where, f"has an invalid rnnmusic.context {data!r}")
        return cls(tuple(bars), spq)


def position_table_sizes(spec: ContextSpec) -> tuple[int, ...]:
    """Rows of the embedding table of each position feature and of the repeat flags (the model's layout)."""
    return (MAX_BAR_STEPS, MAX_BAR_STEPS + 1, MAX_BEAT_STEPS, MAX_BEAT_STEPS + 1, spec.flag_codes)


def beat_steps(numerator: int, denominator: int, steps_per_quarter: int) -> int:
    """Steps in one beat: the denominator's note, or three of them in compound meters (6/8, 9/8, 12/8)."""
    unit = 4.0 * steps_per_quarter / denominator
    if denominator >= 8 and numerator % 3 == 0 and numerator > 3:
        unit *= 3
    return max(1, int(round(unit)))


def bar_steps(numerator: int, denominator: int, steps_per_quarter: int) -> int:
    return max(1, int(round(numerator * 4.0 * steps_per_quarter / denominator)))


class _MeterMap:
    """Bar and beat of any step, from a meter map in steps (4/4 where it says nothing)."""

    def __init__(self, meters: Sequence[Meter], steps_per_quarter: int):
        cleaned = sorted((max(0, int(s)), int(n), int(d)) for s, n, d in meters if n >= 1 and d >= 1)
        if not cleaned or cleaned[0][0] > 0:
            cleaned.insert(0, (0, 4, 4))
        self.starts = [s for s, _, _ in cleaned]
        self.bars = [bar_steps(n, d, steps_per_quarter) for _, n, d in cleaned]
        self.beats = [beat_steps(n, d, steps_per_quarter) for _, n, d in cleaned]

    def at(self, step: int) -> tuple[int, int, int]:
        """(steps from the bar line, steps per bar, steps per beat) at ``step``."""
        i = bisect.bisect_right(self.starts, step) - 1 if len(self.starts) > 1 else 0
        bar = self.bars[i]
        return (step - self.starts[i]) % bar, bar, self.beats[i]


class _Row:
    """One sequence's place in time and its recent steps."""

    __slots__ = ("step", "last", "history", "proposals", "row")

    def __init__(self, width: int):
        self.step = 0
        self.last = BOS_ID
        self.history: dict[int, list[int]] = {}  # step -> tokens read there; keys in ascending order
        self.proposals: list[int] = []
        self.row: list[int] = [0] * width  # a plain list: a handful of Python ints is cheaper than numpy writes

    def copy(self) -> _Row:
        other = _Row.__new__(_Row)
        other.step, other.last = self.step, self.last
        other.history = {s: list(t) for s, t in self.history.items()}
        other.proposals = list(self.proposals)
        other.row = list(self.row)
        return other


class ContextTracker:
    """The context of ``rows`` sequences, a token at a time (see the module doc).

    ``push(tokens)`` reads one token per row (rows where ``active`` is False stay as they
    are); ``rows_now()`` is then the context for predicting each row's next token. A new
    tracker is at the start of a piece, as after bos.
    """

    def __init__(self, spec: ContextSpec, encoding: Encoding, meters: Sequence[Meter] = (), rows: int = 1):
        if not encoding.uses_grid:
            raise ConfigError(f"the {encoding.name} encoding has no step grid, so a model of it reads no bar context")
        self.spec = spec
        self.none = encoding.vocab_size  # the proposal id for "nothing there"
        self._advance = [int(round(a)) for a in encoding.time_advance.tolist()]
        # per token, the set of tokens that may follow it: a set lookup per candidate, not a numpy index
        self._follow = [frozenset(np.flatnonzero(row).tolist()) for row in encoding.follow_table]
        self._meters = _MeterMap(meters, spec.steps_per_quarter)
        self._reach = max(spec.lookback_bars) * max(self._meters.bars) + 1  # steps of history worth keeping
        self._rows = [self._fresh() for _ in range(rows)]
        self._matrix = np.array([r.row for r in self._rows], dtype=np.int64).reshape(rows, spec.width)

    # -- reading tokens -----------------------------------------------------------------
    def push(self, tokens: np.ndarray | Sequence[int], active: np.ndarray | None = None) -> np.ndarray:
        """Read one token per row; returns the new context ``[rows, width]`` (a view: copy to keep)."""
        rows = self._rows
        skip = None if active is None else np.asarray(active).tolist()
        for r, token in enumerate(np.asarray(tokens).tolist()):
            if skip is None or skip[r]:
                self._read(rows[r], int(token))
        self._matrix[:] = [row.row for row in rows]  # one write for all rows
        return self._matrix

    def rows_now(self) -> np.ndarray:
        return self._matrix

    def features_of(self, ids: np.ndarray | Sequence[int]) -> np.ndarray:
        """Context after each token of ``ids`` (one row, from the current place): ``[len(ids), width]``."""
        if len(self._rows) != 1:
            raise ValueError("features_of reads one row")
        row = self._rows[0]
        out = np.empty((len(ids), self.spec.width), dtype=np.int64)
        for i, token in enumerate(np.asarray(ids).tolist()):
            self._read(row, int(token))
            out[i] = row.row
        self._matrix[0] = row.row
        return out

    # -- rows -----------------------------------------------------------------------------
    def take(self, rows: np.ndarray | Sequence[int]) -> None:
        """Keep (reorder, duplicate) the given rows, like ``Batch.take``."""
        self._rows = [self._rows[int(r)].copy() for r in rows]
        self._matrix = np.array([r.row for r in self._rows], dtype=np.int64).reshape(len(self._rows), self.spec.width)

    def row(self, index: int) -> ContextTracker:
        """A one-row tracker of row ``index`` as it is now (independent of this one)."""
        other = ContextTracker.__new__(ContextTracker)
        other.__dict__.update(self.__dict__)
        other._rows = [self._rows[index].copy()]
        other._matrix = np.array([other._rows[0].row], dtype=np.int64)
        return other

    def copy(self) -> ContextTracker:
        other = ContextTracker.__new__(ContextTracker)
        other.__dict__.update(self.__dict__)
        other._rows = [r.copy() for r in self._rows]
        other._matrix = self._matrix.copy()
        return other

    # -- the rule -------------------------------------------------------------------------
    def _fresh(self) -> _Row:
        row = _Row(self.spec.width)
        self._describe(row)
        return row

    def _read(self, row: _Row, token: int) -> None:
        if token == BOS_ID:  # a new piece: back to its start
            fresh = self._fresh()
            row.step, row.last, row.history, row.proposals, row.row = (
                fresh.step, fresh.last, fresh.history, fresh.proposals, fresh.row)
            return
        flags = 0
        for bit, proposal in enumerate(row.proposals):
            if proposal == token:
                flags |= 1 << bit
        history = row.history
        history.setdefault(row.step, []).append(token)
        advance = self._advance[token]
        if advance > 0:
            row.step += advance
            stale = row.step - self._reach
            # Steps are read in ascending order, so the oldest keys come first: drop from the front.
            while history and (oldest := next(iter(history))) < stale:
                del history[oldest]
        row.last = token
        self._describe(row, flags)

    def _describe(self, row: _Row, flags: int = 0) -> None:
        in_bar, bar, beat = self._meters.at(row.step)
        follow = self._follow[row.last]
        history, step, none = row.history, row.step, self.none
        proposals = []
        for distance in self.spec.lookback_bars:
            then = history.get(step - distance * bar)
            choice = none
            if then is not None:
                for candidate in then:
                    if candidate in follow:
                        choice = candidate
                        break
            proposals.append(choice)
        row.proposals = proposals
        row.row = [min(in_bar, MAX_BAR_STEPS - 1), min(bar, MAX_BAR_STEPS), min(in_bar % beat, MAX_BEAT_STEPS - 1),
                   min(beat, MAX_BEAT_STEPS), flags, *proposals]


def piece_context(spec: ContextSpec, encoding: Encoding, ids: np.ndarray, meters: Sequence[Meter] = ()) -> np.ndarray:
    """The context after every token of one piece's ``ids`` (bos first): ``[len(ids), width]``."""
    tracker = ContextTracker(spec, encoding, meters)
    return tracker.features_of(ids)


def stream_context(spec: ContextSpec, encoding: Encoding, tokens: np.ndarray, offsets: np.ndarray,
                   meters: Sequence[Sequence[Meter]] | None = None) -> np.ndarray:
    """The context of a dataset split (pieces back to back, each after bos): ``[len(tokens), width]``."""
    out = np.empty((len(tokens), spec.width), dtype=np.int32)
    for i in range(len(offsets) - 1):
        a, b = int(offsets[i]), int(offsets[i + 1])
        piece_meters = meters[i] if meters is not None and i < len(meters) else ()
        out[a:b] = piece_context(spec, encoding, np.asarray(tokens[a:b]), piece_meters)
    return out


def meters_of(grid_meter_steps: Sequence[tuple[int, int, int]]) -> list[Meter]:
    """A StepGrid's ``meter_steps`` as the plain lists a dataset manifest keeps."""
    return [(int(s), int(n), int(d)) for s, n, d in grid_meter_steps]


def repetition_bias(repetition: float) -> float:
    """The gate bias for a repetition control in [0, 1]: 0.5 is the model as trained (bias 0),
    0 closes the "same as then" gates, 1 opens them fully (logit units, clipped to +-30)."""
    r = float(repetition)
    if not 0.0 <= r <= 1.0:
        raise ValueError(f"repetition must be in [0, 1], not {repetition!r}")
    if r <= 0.0:
        return -30.0
    if r >= 1.0:
        return 30.0
    return float(np.clip(2.0 * np.log(r / (1.0 - r)), -30.0, 30.0))
