"""Where a region lies in a piece and what of the piece stays: plain NoteSequence work, no model.

A region's bars are found on the piece's own step grid (its tempo map and meters), so bar
5 of a piece in 3/4 with a tempo change is where a musician counts it. The piece is then cut
into what the model reads and what the take keeps:

- ``before``: the region tracks' notes that start before the region, a note still sounding
  at the region's first bar line ending there; the model is primed with this, so the fill
  starts from what is heard at that bar line. (If the fill holds such a note on, the take
  lengthens it: see :mod:`rnnmusic.engine.region_fill`.)
- ``after``: for a fill, the region tracks' notes from the bar line after the region on,
  moved to start at 0 with the tempo map and meters from there, and only the lookahead bars
  of them: the music each candidate fill is weighted by.
- ``outside``: every note the take keeps as it was: all notes of the other tracks, and the
  region tracks' notes that start at or after the region's end (for a fill). A note of the
  region tracks that starts inside the region is the region's own and is replaced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from rnnmusic.encodings import Encoding
from rnnmusic.engine.excerpt import excerpt_from
from rnnmusic.engine.region_spec import RegionSpec
from rnnmusic.engine.units import seed_grid
from rnnmusic.errors import ConfigError
from rnnmusic.grid import StepGrid
from rnnmusic.notes import NoteSequence

#: notes this close to a bar line (seconds) count as on it (MIDI tick rounding)
_EPS = 1e-6


@dataclass(frozen=True)
class RegionPlan:
    """A region located in one piece (see the module doc)."""

    spec: RegionSpec
    piece: NoteSequence
    bars: int  # bars the piece has (a bar it only begins counts)
    tracks: tuple[int, ...]  # the tracks the region rewrites
    start: float  # seconds: the region's first bar line
    end: float | None  # seconds: the bar line after the region (None: continue from start)
    before: NoteSequence
    after: NoteSequence | None
    outside: np.ndarray  # notes kept as they were

    @property
    def in_region_tracks(self) -> np.ndarray:
        """A mask over the piece's notes: True for the notes of the region tracks."""
        return np.isin(self.piece.notes["track"], self.tracks)


def piece_bars(seq: NoteSequence, grid: StepGrid) -> int:
    """How many bars ``seq`` has on ``grid`` (a bar it only begins counts; 0 for an empty piece)."""
    total = grid.to_steps(seq.total_time)
    return len(grid.bar_starts(int(math.ceil(total - 1e-6)))) if total > 1e-6 else 0


def bar_line(grid: StepGrid, bar: int) -> int:
    """The step of the bar line that starts ``bar`` (from 1), past the piece's end too (its last meter on)."""
    reach = bar * grid.steps_per_bar_at(0) + 1
    while True:
        starts = grid.bar_starts(reach)
        if len(starts) >= bar:
            return starts[bar - 1]
        reach *= 2


def plan_region(seq: NoteSequence, spec: RegionSpec, encoding: Encoding) -> RegionPlan:
    """Locate ``spec`` in ``seq`` for a model of ``encoding``; a region the piece does not have is
    refused with one line naming the problem."""
    grid = seed_grid(encoding, seq)
    bars = piece_bars(seq, grid)
    name = seq.source or "the piece"
    where = f"region {spec.describe_bars()}"
    if spec.is_fill:
        assert spec.end_bar is not None
        if bars == 0:
            raise ConfigError(f"{where}: {name} has no bars to fill (it is empty); continue it instead")
        if spec.end_bar - 1 > bars:
            raise ConfigError(f"{where}: {name} has {_bars(bars)}; the region must end by bar {bars}")
    elif spec.start_bar > bars + 1:
        raise ConfigError(f"{where}: {name} has {_bars(bars)}; continue from bar {bars + 1} at the latest")
    tracks = _region_tracks(seq, spec, encoding, where, name)
    start = float(grid.to_seconds(bar_line(grid, spec.start_bar)))
    end = None if spec.end_bar is None else float(grid.to_seconds(bar_line(grid, spec.end_bar)))
    notes = seq.notes
    mine = np.isin(notes["track"], tracks)
    starts_before = notes["start"] < start - _EPS
    leading = notes[mine & starts_before].copy()
    np.minimum(leading["end"], start, out=leading["end"])
    before = replace(seq, notes=leading, control_changes=(), total_time=start)
    after = None
    if end is None:
        outside = notes[~mine]
    else:
        kept_after = mine & (notes["start"] >= end - _EPS)
        outside = notes[~mine | kept_after]
        look_end = float(grid.to_seconds(bar_line(grid, spec.end_bar + spec.lookahead_bars)))  # type: ignore[operator]
        tail = notes[kept_after & (notes["start"] < look_end - _EPS)].copy()
        np.minimum(tail["end"], look_end, out=tail["end"])
        after = excerpt_from(seq, tail, end, look_end - end)
    return RegionPlan(spec, seq, bars, tracks, start, end, before, after, outside)


def _region_tracks(seq: NoteSequence, spec: RegionSpec, encoding: Encoding, where: str, name: str) -> tuple[int, ...]:
    """The tracks the region rewrites: the spec's (each must exist and hold what the model plays), or
    every track holding such notes (the first such track of the piece's track list when none does)."""
    drums = encoding.name == "drums"
    notes = seq.notes
    kind = "drum" if drums else "pitched"
    if spec.tracks is None:
        found = np.unique(notes["track"][notes["is_drum"] == drums])
        if len(found):
            return tuple(int(t) for t in found)
        listed = [i for i, t in enumerate(seq.tracks) if t.is_drum == drums]
        return (listed[0] if listed else 0,)
    existing = set(range(len(seq.tracks))) | {int(t) for t in np.unique(notes["track"])}
    for track in spec.tracks:
        if track not in existing:
            have = ", ".join(str(t) for t in sorted(existing)) or "none"
            raise ConfigError(f"{where}: {name} has no track {track} (its tracks: {have})")
        in_track = notes[notes["track"] == track]
        if len(in_track) and not (in_track["is_drum"] == drums).any():
            raise ConfigError(f"{where}: track {track} of {name} holds no {kind} notes, and this model "
                              f"plays {kind} notes ({encoding.name})")
    return spec.tracks


def _bars(count: int) -> str:
    return f"{count} bar" if count == 1 else f"{count} bars"
