"""Beam search (Magenta's generate-with-beam) over a :class:`Batch`, and its bookkeeping.

Rows are laid out variation by variation: variation v owns rows
``v * width .. (v + 1) * width - 1`` with ``width = beam_size * branch_factor``.
Each of ``beam_size`` beams per variation is extended by ``branch_factor`` sampled
continuations for one time step (one grid step, or up to the next time shift), then the
best ``beam_size`` by log-likelihood survive.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rnnmusic.engine.masks import TokenMasks
from rnnmusic.engine.model import Model
from rnnmusic.engine.sampling import Sampler
from rnnmusic.engine.token_loop import TOLERANCE, Batch


def select_beams(scores: np.ndarray, num: int, beam_size: int, branch_factor: int) -> np.ndarray:
    """Row indices for the next step: per variation the best ``beam_size`` rows, each ``branch_factor`` times.

    Ties keep the earlier row (a stable sort), so the choice is deterministic.
    """
    width = beam_size * branch_factor
    groups = np.asarray(scores, dtype=np.float64).reshape(num, width)
    best = np.argsort(-groups, axis=1, kind="stable")[:, :beam_size]
    rows = best + (np.arange(num) * width)[:, None]
    return np.repeat(rows, branch_factor, axis=1).reshape(-1)


def best_rows(scores: np.ndarray, num: int, width: int) -> np.ndarray:
    """Per variation, the row with the highest score."""
    groups = np.asarray(scores, dtype=np.float64).reshape(num, width)
    return np.argmax(groups, axis=1) + np.arange(num) * width


class BeamSearch:
    """One beam search: iterate :meth:`steps` (the fraction done after every token), then read :attr:`chosen`.

    Rows that finished their step wait (state frozen) for the others, so beams are compared
    at the same point in time.
    """

    def __init__(self, model: Model, batch: Batch, sampler: Sampler, masks: TokenMasks, advance: np.ndarray,
                 target_units: float, cap: int, num: int, beam_size: int, branch_factor: int):
        self.model, self.batch, self.sampler, self.masks, self.advance = model, batch, sampler, masks, advance
        self.target_units, self.cap = target_units, cap
        self.num, self.beam_size, self.branch_factor = num, beam_size, branch_factor
        #: per variation, the winning row's tokens; filled when :meth:`steps` is exhausted
        self.chosen: list[np.ndarray] = []

    def steps(self) -> Iterator[float]:
        model, batch, sampler, masks, advance = self.model, self.batch, self.sampler, self.masks, self.advance
        target_units, cap, num = self.target_units, self.cap, self.num
        beam_size, branch_factor = self.beam_size, self.branch_factor
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
            waiting = moved | (generated >= target_units - TOLERANCE) | (lengths >= cap)
            active = ~waiting
            bias = masks.bias(batch.last, batch.counts if polyphony else None)
            tokens, logp = sampler.sample(batch.logits.copy(), bias, want_logp=True)
            assert logp is not None  # asked for with want_logp
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
            finished = (generated >= target_units - TOLERANCE) | (lengths >= cap)
            if (moved | finished).all():
                if finished.all():
                    break
                keep = select_beams(score, num, beam_size, branch_factor)
                batch.take(keep)
                ids, lengths, score, generated = ids[keep], lengths[keep], score[keep], generated[keep]
                moved[:] = False
            yield float(np.minimum(generated, target_units).mean() / target_units)
        chosen = best_rows(score, num, width)
        self.chosen = [ids[r, : lengths[r]].copy() for r in chosen]
