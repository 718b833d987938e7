"""The batched token loops: plain sampling and beam search, one token per model step.

A :class:`Batch` is the rows being generated together: recurrent state, next-token
logits, last token, polyphony counters and units of time generated. Both loops are
Python generators that yield every few tokens, so the caller can report progress,
stream notes or stop (cancellation) without the loops knowing about any of it.

The plain loop is the hot path: per token one ``session.run`` plus a handful of numpy
calls on preallocated arrays (see docs/benchmarks.md, "Generation speed"). Rows that
reach the target length early keep running with the others (a batched step costs the
same) and are cut afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from rnnmusic.engine.beam import best_rows, select_beams
from rnnmusic.engine.context import ContextTracker
from rnnmusic.engine.masks import TokenMasks
from rnnmusic.engine.model import Model
from rnnmusic.engine.sampling import Sampler

#: a token loop stops after this many tokens per unit of time asked for, whatever the model does
TOKENS_PER_UNIT_CAP = 48
MIN_TOKEN_CAP = 256
#: sums of time advances (0.01 s shifts, say) must reach a target despite float rounding
_TOLERANCE = 1e-9


@dataclass
class Batch:
    """The rows generated together; arrays are indexed by row."""

    state: np.ndarray  # [parts, layers, rows, hidden]
    logits: np.ndarray  # [rows, vocab], the next token's logits
    last: np.ndarray  # [rows] int64, the previous token
    counts: np.ndarray  # polyphony counters by row (see TokenMasks.start_counts)
    context: ContextTracker | None = None  # the timeline context, for models that read one
    repetition: np.ndarray | None = None  # [rows] float32 gate bias (see rnnmusic.engine.context)

    @classmethod
    def repeat(cls, state: np.ndarray, logits: np.ndarray, last: int, rows: int, masks: TokenMasks,
               context: ContextTracker | None = None, repetition: float = 0.0) -> "Batch":
        """``rows`` copies of one prefilled row (state ``[.., 1, ..]``, logits ``[vocab]``, a 1-row context)."""
        tracker = None
        if context is not None:
            tracker = context.copy()
            tracker.take(np.zeros(rows, dtype=np.int64))
        return cls(
            np.ascontiguousarray(np.repeat(state, rows, axis=2)),
            np.repeat(logits[None, :], rows, axis=0).astype(np.float32),
            np.full(rows, last, dtype=np.int64),
            masks.start_counts(rows),
            tracker,
            np.full(rows, repetition, dtype=np.float32),
        )

    def take(self, rows: np.ndarray) -> None:
        """Keep (and reorder / duplicate) the given rows."""
        self.state = np.ascontiguousarray(self.state[:, :, rows])
        self.logits = self.logits[rows]
        self.last = self.last[rows]
        self.counts = self.counts[rows]
        if self.context is not None:
            self.context.take(rows)
        if self.repetition is not None:
            self.repetition = self.repetition[rows]

    def run(self, model: Model, feed: np.ndarray, state: np.ndarray,
            active: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The model reads ``feed`` ``[rows, 1]`` (the context moves with it, in rows ``active``)."""
        if self.context is None:
            return model.run(feed, state)
        context = self.context.push(feed[:, 0], active)
        return model.run(feed, state, context[:, None, :], self.repetition)


def token_cap(target_units: float, min_advance: float) -> int:
    """The most tokens a loop may sample for ``target_units`` (a guard against a model that never advances time)."""
    return MIN_TOKEN_CAP + int(np.ceil(target_units / min_advance)) * TOKENS_PER_UNIT_CAP


def sample_loop(model: Model, batch: Batch, sampler: Sampler, masks: TokenMasks, advance: np.ndarray,
                target_units: float, out: np.ndarray, every: int = 8, feed_last: bool = False) -> Iterator[int]:
    """Sample tokens for every row into ``out[:, i]`` until every row has ``target_units`` of time.

    Yields the number of tokens sampled so far every ``every`` tokens and once at the end (then
    :func:`take_lengths` says where each row reached the target). The batch's state, logits and
    last tokens are left after the last token; with ``feed_last`` the model has read that token too,
    so another loop can continue from it.
    """
    rows = len(batch.last)
    feed = np.empty((rows, 1), dtype=np.int64)
    column = feed[:, 0]  # a contiguous view: the sampler writes each step's tokens straight into the model input
    column[:] = batch.last
    table, counts = masks.table, batch.counts
    polyphony = masks.max_polyphony is not None
    logits, state = batch.logits, batch.state
    run = model.run if batch.context is None else (lambda ids, s: batch.run(model, ids, s))
    goal = target_units - _TOLERANCE
    single = rows == 1
    # when every token moves time by the same amount (melody, drums), the time of every row is
    # known from the token count alone; otherwise it is summed per row
    moving = advance[1:]
    uniform = float(moving[0]) if len(moving) and (moving == moving[0]).all() and moving[0] > 0 else 0.0
    if single:
        steps, position = advance.tolist(), 0.0
    elif not uniform:
        generated = np.zeros(rows, dtype=np.float64)
    count = out.shape[1]
    for i in range(out.shape[1]):
        if polyphony:
            bias = masks.bias(column, counts)
        elif single:  # a plain index gives a view of the table's row, not a copy
            bias = table[column[0]]
        else:
            bias = table.take(column, axis=0)
        sampler.sample(logits, bias, out=column)
        if polyphony:
            masks.update_counts(counts, column)
        if single:
            token = column[0]
            out[0, i] = token
            position += steps[token]
            finished = position >= goal
        else:
            out[:, i] = column
            if uniform:
                finished = (i + 1) * uniform >= goal
            else:
                generated += advance[column]
                finished = generated.min() >= goal
        if finished and not feed_last:
            count = i + 1
            break
        logits, state = run(feed, state)
        logits = logits[:, 0, :]
        if finished:
            count = i + 1
            break
        if (i + 1) % every == 0:
            yield i + 1
    batch.state, batch.logits, batch.last = state, logits, column.copy()
    yield count


def take_lengths(out: np.ndarray, count: int, advance: np.ndarray, target_units: float) -> np.ndarray:
    """Per row, how many of the first ``count`` tokens of ``out`` it took to reach ``target_units``."""
    reached = np.cumsum(advance[out[:, :count]], axis=1) >= target_units - _TOLERANCE
    return np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, count)


def beam_loop(model: Model, batch: Batch, sampler: Sampler, masks: TokenMasks, advance: np.ndarray,
              target_units: float, cap: int, num: int, beam_size: int,
              branch_factor: int) -> Iterator[float | list[np.ndarray]]:
    """Beam search (Magenta's generate-with-beam): each of ``beam_size`` beams per variation is
    extended by ``branch_factor`` sampled continuations for one time step (one grid step, or up
    to the next time shift), then the best ``beam_size`` by log-likelihood survive.

    Rows that finished their step wait (state frozen) for the others, so beams are compared
    at the same point in time. Yields the fraction done after every token, then the chosen
    token lists (one per variation).
    """
    rows = len(batch.last)
    width = beam_size * branch_factor
    ids = np.zeros((rows, cap), dtype=np.int64)
    lengths = np.zeros(rows, dtype=np.int64)
    score = np.zeros(rows, dtype=np.float64)
    generated = np.zeros(rows, dtype=np.float64)
    moved = np.zeros(rows, dtype=bool)
    feed = np.empty((rows, 1), dtype=np.int64)
    polyphony = masks.max_polyphony is not None
    all_rows = np.arange(rows)
    # every pass gives at least one row a token, so this bounds the loop even if rows take turns
    for _ in range(cap * 4):
        waiting = moved | (generated >= target_units - _TOLERANCE) | (lengths >= cap)
        active = ~waiting
        tokens, logp = sampler.sample(batch.logits.copy(), masks.bias(batch.last, batch.counts if polyphony else None),
                                      want_logp=True)
        act = all_rows[active]
        ids[act, lengths[act]] = tokens[act]
        lengths[act] += 1
        score[act] += logp[act]
        step = advance[tokens] * active
        generated += step
        moved |= step > 0
        if polyphony:
            counts = batch.counts.copy()
            masks.update_counts(counts, tokens)
            batch.counts[active] = counts[active]
        feed[:, 0] = tokens
        logits, state = batch.run(model, feed, batch.state, active)
        batch.state = np.where(active[None, None, :, None], state, batch.state)
        batch.logits = np.where(active[:, None], logits[:, -1, :], batch.logits)
        batch.last = np.where(active, tokens, batch.last)
        finished = (generated >= target_units - _TOLERANCE) | (lengths >= cap)
        if (moved | finished).all():
            if finished.all():
                break
            keep = select_beams(score, num, beam_size, branch_factor)
            batch.take(keep)
            ids, lengths, score, generated = ids[keep], lengths[keep], score[keep], generated[keep]
            moved[:] = False
        yield float(np.minimum(generated, target_units).mean() / target_units)
    chosen = best_rows(score, num, width)
    yield [ids[r, : lengths[r]].copy() for r in chosen]
