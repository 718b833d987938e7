"""The region evaluation: take bars 5-8 out of a real piece's first 12 and fill them again.

For every usable piece of a split (12 bars or more, notes in bars 1-4 and 9-12), each
*system* writes bars 5-8 of the piece's first 12 bars, everything else kept:

- ``real``: the piece's own bars 5-8;
- ``copy``: bars 1-4 played again (a trivial baseline: folk tunes often repeat their first phrase);
- ``first``: the model's fill without lookahead (a plain continuation from bar 5, what
  follows ignored), one sample;
- ``best`` and ``sir``: the model's fill chosen among ``candidates`` samples by the
  likelihood of the real bars 9-12 after each (see :mod:`rnnmusic.engine.region_fill`).

Measured per system, averaged over pieces:

- ``nll_after``: the model's NLL (nats per token) of the real bars 9-12 after the fill; lower
  is better: the fill leads into what follows. For ``real`` and ``copy`` the fill is read
  into the model, not sampled.
- at the two joins (into bar 5, out of bar 8 into bar 9): the leap of the top line across the
  join (semitones; for polyphony also the bass line), and the share of joins with a leap of
  more than a fifth;
- ``downbeat``: the share of the region's bars with a note starting on their downbeat, and
  ``starts_on_bar_5``: the share of fills that start on the downbeat of bar 5;
- ``in_key``: the share of the region's notes in the piece's key (estimated from the whole piece);
- ``empty``: the share of fills without a note.

Every model system sees the same random seed per piece.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnmusic.engine.keys import estimate_key, scale_pitch_classes
from rnnmusic.engine.model import Model
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.region_fill import generate_region, lookahead_ids
from rnnmusic.engine.region_plan import RegionPlan, bar_line, piece_bars, plan_region
from rnnmusic.engine.region_spec import RegionSpec
from rnnmusic.engine.session import DecodingSession, prime
from rnnmusic.engine.units import pad_with_silence, seed_grid, units_of
from rnnmusic.notes import NoteSequence
from rnnmusic.transforms import trim

SYSTEMS = ("real", "copy", "first", "best", "sir")
MODEL_SYSTEMS = ("first", "best", "sir")
GAP = (5, 9)  # bars 5-8
PIECE_BARS = 12
#: a leap larger than this many semitones (a perfect fifth) counts as a big one
BIG_LEAP = 7
_EPS = 1e-6

Progress = Callable[[int, int], None]


@dataclass
class RegionEvalResult:
    model: str
    pieces: int
    skipped: dict[str, int]
    settings: dict[str, Any]
    systems: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "pieces": self.pieces, "skipped": self.skipped, "settings": self.settings,
                "systems": self.systems}


class _Means:
    """Sums and counts of each metric of each system."""

    def __init__(self) -> None:
        self.sums: dict[str, dict[str, float]] = {s: {} for s in SYSTEMS}
        self.counts: dict[str, dict[str, int]] = {s: {} for s in SYSTEMS}

    def add(self, system: str, metric: str, value: float | None) -> None:
        if value is None or not np.isfinite(value):
            return
        self.sums[system][metric] = self.sums[system].get(metric, 0.0) + float(value)
        self.counts[system][metric] = self.counts[system].get(metric, 0) + 1

    def means(self) -> dict[str, dict[str, float]]:
        return {s: {m: self.sums[s][m] / self.counts[s][m] for m in self.sums[s]} for s in SYSTEMS}


def evaluate_regions(model: Model, pieces: Iterable[NoteSequence], options: GenerateOptions | None = None,
                     candidates: int = 32, random_seed: int = 0, max_pieces: int | None = None,
                     progress: Progress | None = None) -> RegionEvalResult:
    """The region evaluation of ``model`` on ``pieces`` (see the module doc)."""
    base = (options or GenerateOptions()).for_model(model.info.sampling)
    means = _Means()
    skipped: dict[str, int] = {}
    used = 0
    for index, raw in enumerate(pieces):
        if max_pieces is not None and used >= max_pieces:
            break
        piece, reason = usable_piece(raw, model)
        if piece is None:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        used += 1
        seed = random_seed + index
        plan = plan_region(piece, RegionSpec(*GAP), model.encoding)
        key = estimate_key(piece)
        for system in SYSTEMS:
            fill, nll = _system_fill(model, plan, system, base.replace(seed=seed), candidates)
            for metric, value in join_metrics(plan, fill, key).items():
                means.add(system, metric, value)
            means.add(system, "nll_after", nll)
        if progress is not None:
            progress(used, max_pieces or 0)
    settings = {"gap": f"bars {GAP[0]}-{GAP[1] - 1} of {PIECE_BARS}", "candidates": candidates,
                "random_seed": random_seed, "options": base.to_dict()}
    return RegionEvalResult(model.name, used, skipped, settings, means.means())


def usable_piece(raw: NoteSequence, model: Model) -> tuple[NoteSequence | None, str]:
    """The piece's first 12 bars as the model's encoding keeps it, or why it cannot be used."""
    encoding = model.encoding
    norm = encoding.normalize(raw)
    grid = seed_grid(encoding, norm)
    if piece_bars(norm, grid) < PIECE_BARS:
        return None, f"shorter than {PIECE_BARS} bars"
    piece = trim(norm, 0.0, float(grid.to_seconds(bar_line(grid, PIECE_BARS + 1))))
    bar = lambda k: float(grid.to_seconds(bar_line(grid, k)))  # noqa: E731
    starts = piece.notes["start"]
    if not ((starts < bar(GAP[0]) - _EPS).any() and (starts >= bar(GAP[1]) - _EPS).any()):
        return None, "no notes before or after bars 5-8"
    return piece, ""


def _system_fill(model: Model, plan: RegionPlan, system: str, options: GenerateOptions,
                 candidates: int) -> tuple[np.ndarray, float | None]:
    """The notes one system writes in the region and the NLL per token of the real bars after it."""
    if system in MODEL_SYSTEMS:
        spec = RegionSpec(*GAP, method=system, candidates=candidates)
        takes = generate_region(model, plan.piece, options.replace(region=spec))
        notes = takes.sequences[0].notes
        fill = notes[(notes["start"] >= plan.start - _EPS) & (notes["start"] < plan.end - _EPS)]  # type: ignore[operator]
        nll = -takes.lookahead_logp[0] / takes.lookahead_tokens if takes.lookahead_tokens else None
        return fill, nll
    fill = _given_fill(plan, system)
    return fill, read_fill_nll(model, plan, fill, options)


def _given_fill(plan: RegionPlan, system: str) -> np.ndarray:
    """The real bars 5-8, or bars 1-4 moved onto them."""
    notes = plan.piece.notes
    assert plan.end is not None
    if system == "real":
        return notes[(notes["start"] >= plan.start - _EPS) & (notes["start"] < plan.end - _EPS)]
    copied = notes[notes["start"] < plan.end - plan.start - _EPS].copy()
    copied["start"] += plan.start
    copied["end"] = np.minimum(copied["end"] + plan.start, plan.end)
    return copied


def read_fill_nll(model: Model, plan: RegionPlan, fill: np.ndarray, options: GenerateOptions) -> float | None:
    """The model's NLL per token of the real bars after the region once it has read ``fill`` there."""
    encoding = model.encoding
    options = options.with_seed().for_model(model.info.sampling)
    primed = prime(model, plan.before, options, to_its_end=True)
    assert plan.end is not None
    with_fill = plan.before.with_notes(np.concatenate([plan.before.notes, fill])).evolve(total_time=plan.end)
    ids = np.asarray(encoding.encode_report(with_fill).ids, dtype=np.int64)
    ids = pad_with_silence(encoding, ids, units_of(encoding, with_fill, plan.end))
    seed_ids = primed.seed_ids
    if len(ids) < len(seed_ids) or not np.array_equal(ids[: len(seed_ids)], seed_ids):
        return None  # the encoding reads the bars before differently with the fill after them
    after = lookahead_ids(model, plan)
    if after is None or not len(after):
        return None
    session = DecodingSession(model, primed, options, 1)
    logp = session.score(session.ends_after([ids[len(seed_ids):]]), after)
    return float(-logp[0] / len(after))


def _top(notes: np.ndarray, first: bool, lowest: bool = False) -> int | None:
    """The highest (or lowest) pitch of the first (or last) onset of ``notes``."""
    if not len(notes):
        return None
    onset = notes["start"].min() if first else notes["start"].max()
    chord = notes["pitch"][np.abs(notes["start"] - onset) < 1e-3]
    return int(chord.min() if lowest else chord.max())


def join_metrics(plan: RegionPlan, fill: np.ndarray, key: tuple[int, bool] | None) -> dict[str, float | None]:
    """The join and region measures of one fill (None where a measure does not apply)."""
    assert plan.end is not None
    before = plan.before.notes
    piece = plan.piece.notes
    after = piece[piece["start"] >= plan.end - _EPS]
    metrics: dict[str, float | None] = {"empty": float(len(fill) == 0)}
    lines = {"top": False, "bass": True}
    for line, lowest in lines.items():
        leap_in = _leap(_top(before, first=False, lowest=lowest), _top(fill, first=True, lowest=lowest))
        leap_out = _leap(_top(fill, first=False, lowest=lowest), _top(after, first=True, lowest=lowest))
        metrics[f"{line}_leap_in"] = leap_in
        metrics[f"{line}_leap_out"] = leap_out
        metrics[f"{line}_big_leap_in"] = None if leap_in is None else float(leap_in > BIG_LEAP)
        metrics[f"{line}_big_leap_out"] = None if leap_out is None else float(leap_out > BIG_LEAP)
    bar_starts = _region_bar_lines(plan)
    on_downbeat = [bool((np.abs(fill["start"] - t) < 0.02).any()) for t in bar_starts]
    metrics["downbeat"] = float(np.mean(on_downbeat))
    metrics["starts_on_bar_5"] = float(on_downbeat[0])
    if key is not None and len(fill):
        metrics["in_key"] = float(scale_pitch_classes(*key)[fill["pitch"] % 12].mean())
    else:
        metrics["in_key"] = None
    return metrics


def _region_bar_lines(plan: RegionPlan) -> list[float]:
    """Seconds of the bar lines of bars 5, 6, 7 and 8."""
    from rnnmusic.grid import StepGrid

    grid = StepGrid.for_sequence(plan.piece, 4)
    return [float(grid.to_seconds(bar_line(grid, k))) for k in range(GAP[0], GAP[1])]


def _leap(a: int | None, b: int | None) -> float | None:
    return None if a is None or b is None else float(abs(a - b))
