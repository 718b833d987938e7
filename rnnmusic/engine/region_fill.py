"""New music for a region of a piece: fill bars between two sections, or continue from any bar.

One decoding session does it (:mod:`rnnmusic.engine.session`), like every other path:

1. :func:`~rnnmusic.engine.region_plan.plan_region` finds the region's bars and cuts the
   piece into what comes before (read by the model), what comes after and what is kept.
2. The model reads what comes before; ``candidates`` fills of exactly the region's length are
   sampled in one batch (every option applies: temperature, top-p, key, repetition ...).
3. For a fill, each candidate is weighted by the log-probability the model gives the real
   bars after the region (the lookahead bars) once it has played that candidate: one batched
   model call (:meth:`DecodingSession.score`). ``"sir"`` then draws the takes by those weights
   (sampling-importance-resampling: candidates drawn from p(fill | before), reweighted by
   p(after | before, fill), are draws from p(fill | before, after)); ``"best"`` keeps the
   highest; ``"first"`` ignores what follows.
4. Each take is the piece with the region replaced: the notes outside it as they were, the
   fill's notes cut at the region's last bar line (nothing sounds into the kept music, so
   no note is doubled there), and a note the fill holds on from before the region lengthening
   the note it came from. Tempo map, meters and instrument are the piece's.

Why left to right with reweighting rather than a second, right-to-left model: it needs no
other model file (every shipped and user model can fill), it uses the same batched
sampling as a continuation, and the weighting is measured to help (docs/benchmarks.md,
"Regions"); a right-to-left model would double training and files and still need a way to
meet the left-to-right side in the middle.
"""

from __future__ import annotations

import threading

import numpy as np

from rnnmusic.engine.excerpt import excerpt_from
from rnnmusic.engine.model import Model
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.region_plan import RegionPlan, bar_line, plan_region
from rnnmusic.engine.session import DecodingSession, Primed, Progress, ProgressReporter, prime
from rnnmusic.engine.takes import Takes, lengthen_held
from rnnmusic.engine.token_loop import TOLERANCE, RowEnds
from rnnmusic.engine.units import pad_with_silence, seed_grid, silence_tokens, units_of
from rnnmusic.errors import ConfigError
from rnnmusic.notes import NoteSequence

_EPS = 1e-6


def generate_region(model: Model, piece: NoteSequence, options: GenerateOptions,
                    progress: Progress | None = None, cancel: threading.Event | None = None) -> Takes:
    """``options.num`` takes of ``piece`` with ``options.region`` written anew (see the module doc)."""
    spec = options.region
    if spec is None:
        raise ValueError("generate_region needs options with a region")
    if options.uses_beam:
        raise ConfigError("region: beam search does not fill regions; use sampling (beam size 1)")
    options = options.with_seed().for_model(model.info.sampling)
    plan = plan_region(piece, spec, model.encoding)
    primed = prime(model, plan.before, options, to_its_end=True)
    target = region_units(model, plan, primed, options)
    rows = options.num if spec.method == "first" or plan.after is None else max(spec.candidates, options.num)
    session = DecodingSession(model, primed, options, rows)
    reporter = ProgressReporter(progress, cancel)
    ends = RowEnds(session.batch)
    fills, refitted = sample_fills(session, target, reporter, ends)
    after_ids = lookahead_ids(model, plan)
    scores = None
    if after_ids is not None and len(after_ids):
        scores = session.score(ends, after_ids)
        if refitted:  # their ends moved: read those fills again and score from there
            scores[refitted] = session.score(session.ends_after([fills[i] for i in refitted]), after_ids)
    chosen = choose(session, scores, options.num, spec.method)
    reporter.finish()
    takes = tuple(compose_region_take(model, plan, primed, fills[i], options.continuation_only) for i in chosen)
    return Takes(takes, plan.start if not options.continuation_only else 0.0, options, primed.masks.key_name,
                 tuple(fills[i] for i in chosen), primed.dropped,
                 lookahead_logp=() if scores is None else tuple(float(scores[i]) for i in chosen),
                 lookahead_tokens=0 if after_ids is None else len(after_ids))


def region_units(model: Model, plan: RegionPlan, primed: Primed, options: GenerateOptions) -> float:
    """The fill's length in the encoding's units: up to the region's last bar line, or the options' length."""
    if plan.end is None:
        return primed.units.target_units(options.length)
    encoding = model.encoding
    if not encoding.uses_grid:
        return plan.end - plan.start
    grid = seed_grid(encoding, plan.piece)
    assert plan.spec.end_bar is not None
    return float(bar_line(grid, plan.spec.end_bar) - bar_line(grid, plan.spec.start_bar))


def sample_fills(session: DecodingSession, target: float, reporter: ProgressReporter,
                 ends: RowEnds) -> tuple[list[np.ndarray], list[int]]:
    """Every row's fill, exactly ``target`` units long, and the rows whose tokens had to be changed for
    that (a last time shift that overshoots the region's end is replaced by silence up to it, so the
    bars after start on their bar line); ``ends`` records where each row reached the target."""
    out = session.token_buffer(target)
    generated = np.zeros(session.rows, dtype=np.float64)
    done = 0
    for count in session.sample(target, out, feed_last=True, ends=ends):
        generated += session.advance[out[:, done:count]].sum(axis=1)
        done = count
        reporter.tick(0, lambda: float(np.minimum(generated, target).mean() / target))  # noqa: B023
    sampled = session.continuations(out, done, target)
    fills = [fit_length(session, fill, target) for fill in sampled]
    refitted = [row for row, (a, b) in enumerate(zip(sampled, fills))
                if not ends.reached[row] or len(a) != len(b) or not np.array_equal(a, b)]
    return fills, refitted


def fit_length(session: DecodingSession, fill: np.ndarray, target: float) -> np.ndarray:
    """``fill`` as exactly ``target`` units: cut before a token that ends past it, then padded with silence."""
    advance = session.advance
    reached = np.cumsum(advance[fill]) if len(fill) else np.zeros(0)
    if len(fill) and abs(reached[-1] - target) <= TOLERANCE:
        return fill
    keep = int(np.searchsorted(reached, target + TOLERANCE, side="right"))
    fill = fill[:keep]
    have = float(reached[keep - 1]) if keep else 0.0
    encoding = session.model.encoding
    prefix = np.concatenate([session.primed.seed_ids, fill]).astype(np.int64)
    padding = silence_tokens(encoding, prefix, target - have)
    return np.concatenate([fill, np.asarray(padding, dtype=np.int64)]).astype(np.int64)


def lookahead_ids(model: Model, plan: RegionPlan) -> np.ndarray | None:
    """The lookahead bars after the region as the model's tokens (rests included), or None for no fill."""
    if plan.after is None:
        return None
    encoding = model.encoding
    after = plan.after
    ids = np.asarray(encoding.encode_report(after).ids, dtype=np.int64) if len(after.notes) else np.zeros(0, np.int64)
    return pad_with_silence(encoding, ids, units_of(encoding, after, after.total_time))


def choose(session: DecodingSession, scores: np.ndarray | None, count: int, method: str) -> list[int]:
    """Which rows become the takes, in the order they are given."""
    if scores is None or method == "first":
        return list(range(count))
    if method == "best":
        return [int(i) for i in np.argsort(-scores, kind="stable")[:count]]
    return [int(i) for i in session.sampler.draw_weighted(scores, count)]


def compose_region_take(model: Model, plan: RegionPlan, primed: Primed, fill: np.ndarray,
                        continuation_only: bool = False) -> NoteSequence:
    """The piece with the region replaced by the decoded ``fill`` (see the module doc)."""
    view = plan.piece.with_notes(plan.piece.notes[plan.in_region_tracks])  # the voice the fill is written in
    decoded = model.encoding.decode(np.concatenate([primed.seed_ids, fill]), template=view).notes
    start, end = plan.start, plan.end
    new = decoded[decoded["start"] >= start - _EPS].copy()
    held = decoded[(decoded["start"] < start - _EPS) & (decoded["end"] > start + _EPS)].copy()
    if end is not None:
        new = new[new["start"] < end - _EPS]
        np.minimum(new["end"], end, out=new["end"])
        np.minimum(held["end"], end, out=held["end"])
    step = _step_seconds(model, primed)
    before, orphans = lengthen_held(plan.before.notes, held, tolerance=0.6 * step)
    orphans["start"] = np.maximum(orphans["start"], start)
    if continuation_only:
        held_part = held.copy()
        held_part["start"] = start
        tail = np.concatenate([held_part, new])
        return excerpt_from(plan.piece, tail, start, (end if end is not None else start) - start)
    return plan.piece.with_notes(np.concatenate([plan.outside, before, orphans, new]))


def _step_seconds(model: Model, primed: Primed) -> float:
    """The length of one grid step where the region starts (20 ms for an encoding without a grid)."""
    units = primed.units
    if not model.encoding.uses_grid:
        return 0.02
    return float(units.to_seconds(units.seed_units + 1) - units.start_seconds)
