"""The sampler: the only place in rnnmusic where randomness lives.

Each step turns next-token logits ``[batch, vocab]`` plus an additive mask (0 where a
token is allowed, -inf where not) into one token per row: temperature, then top-k,
then top-p (nucleus), then a draw by inverse CDF from one seeded numpy Generator.
The same seed and the same sequence of calls give the same tokens on every run.

This runs once per generated token, beside a model step of ~50-200 us, so it works
in place on the logits buffer and allocates little: a handful of numpy calls per step.
"""

from __future__ import annotations

import numpy as np

_NEG_INF = np.float32(-np.inf)


class Sampler:
    """Temperature / top-k / top-p sampling with a seeded generator.

    temperature 0 is greedy (the most likely allowed token); top_k / top_p of None are off.
    """

    def __init__(self, seed: int, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None):
        self.rng = np.random.default_rng(seed)
        self.configure(temperature, top_k, top_p)

    def configure(self, temperature: float, top_k: int | None, top_p: float | None) -> None:
        """Change the sampling parameters for the following draws (validated by GenerateOptions)."""
        self.temperature = float(temperature)
        self.inverse_temperature = np.float32(1.0 / temperature) if temperature > 0 else np.float32(0.0)
        self.top_k = top_k
        self.top_p = top_p if top_p is not None and top_p < 1.0 else None

    def sample(self, logits: np.ndarray, bias: np.ndarray, want_logp: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """One token per row of ``logits`` (overwritten), and its log-probability when asked.

        ``bias`` is the additive mask, ``[batch, vocab]`` or ``[vocab]``; every row must allow
        at least one token. The log-probability is that of the tempered, masked distribution
        (before top-k / top-p), which is what beam search ranks by.
        """
        z = logits
        if self.temperature == 0.0:
            z += bias
            tokens = z.argmax(axis=1)
            return tokens, (np.zeros(len(tokens)) if want_logp else None)
        if self.inverse_temperature != 1.0:
            z *= self.inverse_temperature
        z += bias
        rows = z.shape[0]
        top = z.max(axis=1, keepdims=True)
        z -= top
        logp = None
        if want_logp:
            shifted = z.copy()
        if self.top_k is not None and self.top_k < z.shape[1]:
            kth = np.partition(z, z.shape[1] - self.top_k, axis=1)[:, z.shape[1] - self.top_k, None]
            z[z < kth] = _NEG_INF
        np.exp(z, out=z)  # unnormalised probabilities; masked tokens are exactly 0
        if want_logp:
            norm = np.log(np.exp(shifted).sum(axis=1))
        if self.top_p is not None:
            _nucleus(z, self.top_p)
        cdf = np.cumsum(z, axis=1, out=z)
        if rows == 1:
            u = self.rng.random() * cdf[0, -1]
            tokens = np.array([np.searchsorted(cdf[0], u, side="right")])
        else:
            u = self.rng.random(rows) * cdf[:, -1]
            tokens = np.count_nonzero(cdf <= u[:, None], axis=1)
        # u < total, so the token is one with mass > 0; the clip only guards rounding at the very end
        np.minimum(tokens, cdf.shape[1] - 1, out=tokens)
        if want_logp:
            logp = shifted[np.arange(rows), tokens] - norm
        return tokens, logp


def _nucleus(probs: np.ndarray, top_p: float) -> None:
    """Zero (in place) every token outside the smallest set whose mass reaches ``top_p`` of the row's total."""
    order = np.argsort(-probs, axis=1, kind="stable")
    ranked = np.take_along_axis(probs, order, axis=1)
    before = np.cumsum(ranked, axis=1) - ranked  # mass of the better tokens
    drop = before >= top_p * ranked.sum(axis=1, keepdims=True)
    drop[:, 0] = False  # the most likely token always stays
    ranked[drop] = 0.0
    np.put_along_axis(probs, order, ranked, axis=1)
