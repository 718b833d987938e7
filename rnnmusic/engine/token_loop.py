"""The rows decoded together (:class:`Batch`) and the plain sampling loop over them.

A :class:`Batch` holds, indexed by row, the recurrent state, next-token logits, last
tokens, polyphony counters, the timeline context and the repetition bias: what every
token loop (sampling here, beam search in :mod:`rnnmusic.engine.beam_search`) carries
from step to step, and what reading known tokens (a player's phrase, later the bars
after a region) moves forward without sampling.

:func:`sample_loop` is a Python generator that yields every few tokens, so the caller
can report progress, stream notes or stop (cancellation) without the loop knowing about
any of it. It is the hot path: per token one ``session.run`` plus a handful of numpy
calls on preallocated arrays (see docs/benchmarks.md, "Generation speed"). Rows that
reach the target length early keep running with the others (a batched step costs the
same) and are cut afterwards (:func:`take_lengths`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from rnnmusic.engine.context import ContextTracker
from rnnmusic.engine.masks import TokenMasks
from rnnmusic.engine.model import Model
from rnnmusic.engine.sampling import Sampler

#: a token loop stops after this many tokens per unit of time asked for, whatever the model does
TOKENS_PER_UNIT_CAP = 48
MIN_TOKEN_CAP = 256
#: sums of time advances (0.01 s shifts, say) must reach a target despite float rounding
TOLERANCE = 1e-9


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
               context: ContextTracker | None = None, repetition: float = 0.0) -> Batch:
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


    def read(self, model: Model, ids: np.ndarray, masks: TokenMasks) -> None:
        """The one row reads known tokens ``ids`` in one model call (nothing sampled): state, logits,
        last token, context and polyphony counters end after them."""
        if len(self.last) != 1:
            raise ValueError("a batch reads known tokens into one row")
        if self.context is not None:
            context = self.context.features_of(ids)[None]
            logits, self.state = model.run(ids[None, :], self.state, context, self.repetition)
        else:
            logits, self.state = model.run(ids[None, :], self.state)
        self.logits = np.array(logits[:, -1, :], dtype=np.float32)
        self.last = ids[-1:].copy()
        if masks.max_polyphony is not None:
            for token in ids:
                masks.update_counts(self.counts, np.array([token]))

    def copy(self) -> Batch:
        """An independent copy (a point to roll back to)."""
        return Batch(self.state.copy(), np.array(self.logits, copy=True), self.last.copy(), self.counts.copy(),
                     None if self.context is None else self.context.copy(),
                     None if self.repetition is None else self.repetition.copy())


class RowEnds:
    """Each row's state, next-token logits and timeline context at the moment it first reached a
    loop's target (rows of a batch reach it after different numbers of tokens when tokens move time
    by different amounts): where known tokens that follow are read from (a region's next bars)."""

    def __init__(self, batch: Batch):
        rows = len(batch.last)
        self.state = np.zeros_like(batch.state)
        self.logits = np.zeros_like(batch.logits)
        self.context: list[ContextTracker | None] = [None] * rows
        self.reached = np.zeros(rows, dtype=bool)

    def record(self, rows: np.ndarray, state: np.ndarray, logits: np.ndarray, context: ContextTracker | None) -> None:
        """Keep the rows of ``rows`` (a mask) that had not reached the target before."""
        new = rows & ~self.reached
        if not new.any():
            return
        self.state[:, :, new] = state[:, :, new]
        self.logits[new] = logits[new]
        if context is not None:
            for row in np.flatnonzero(new).tolist():
                self.context[row] = context.row(row)
        self.reached |= new

    def put(self, row: int, one: Batch) -> None:
        """Row ``row`` is where the one-row batch ``one`` is now."""
        self.state[:, :, row] = one.state[:, :, 0]
        self.logits[row] = one.logits[0]
        self.context[row] = one.context
        self.reached[row] = True


def token_cap(target_units: float, min_advance: float) -> int:
    """The most tokens a loop may sample for ``target_units`` (a guard against a model that never advances time)."""
    return MIN_TOKEN_CAP + int(np.ceil(target_units / min_advance)) * TOKENS_PER_UNIT_CAP


def sample_loop(model: Model, batch: Batch, sampler: Sampler, masks: TokenMasks, advance: np.ndarray,
                target_units: float, out: np.ndarray, every: int = 8, feed_last: bool = False,
                ends: RowEnds | None = None) -> Iterator[int]:
    """Sample tokens for every row into ``out[:, i]`` until every row has ``target_units`` of time.

    Yields the number of tokens sampled so far every ``every`` tokens and once at the end (then
    :func:`take_lengths` says where each row reached the target). The batch's state, logits and
    last tokens are left after the last token; with ``feed_last`` the model has read that token too,
    so another loop can continue from it. ``ends`` (which needs ``feed_last``) records every row
    as it was when it reached the target.
    """
    if ends is not None and not feed_last:
        raise ValueError("recording the rows' ends needs feed_last (the model reads each row's last token)")
    rows = len(batch.last)
    feed = np.empty((rows, 1), dtype=np.int64)
    column = feed[:, 0]  # a contiguous view: the sampler writes each step's tokens straight into the model input
    column[:] = batch.last
    table, counts = masks.table, batch.counts
    polyphony = masks.max_polyphony is not None
    logits, state = batch.logits, batch.state
    run = model.run if batch.context is None else (lambda ids, s: batch.run(model, ids, s))
    goal = target_units - TOLERANCE
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
        if ends is not None:
            if single or uniform:
                if finished:
                    ends.record(np.ones(rows, dtype=bool), state, logits, batch.context)
            else:
                ends.record(generated >= goal, state, logits, batch.context)
        if finished:
            count = i + 1
            break
        if (i + 1) % every == 0:
            yield i + 1
    batch.state, batch.logits, batch.last = state, logits, column.copy()
    yield count


def take_lengths(out: np.ndarray, count: int, advance: np.ndarray, target_units: float) -> np.ndarray:
    """Per row, how many of the first ``count`` tokens of ``out`` it took to reach ``target_units``."""
    reached = np.cumsum(advance[out[:, :count]], axis=1) >= target_units - TOLERANCE
    return np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, count)
