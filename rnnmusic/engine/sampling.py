"""The sampler: the only place in rnnmusic where randomness lives.

Each step turns next-token logits ``[batch, vocab]`` plus an additive mask (0 where a
token is allowed, -inf where not) into one token per row: temperature, then top-k,
then top-p (nucleus), then a draw. The draw is the Gumbel-max trick: the arg-max of
``logits / T + g`` with independent Gumbel noise ``g`` is an exact sample of
``softmax(logits / T)`` over the allowed tokens. The noise (``-log(-log U)``, U uniform)
is drawn from one seeded numpy Generator in blocks of many steps, so a step costs
three or four numpy calls instead of the ten an inverse-CDF draw needs (measured: 2-5x
cheaper at batch 1); this runs once per token beside a model step of ~100 us. The same
seed and the same sequence of calls give the same tokens on every run.
"""

from __future__ import annotations

import numpy as np

_NEG_INF = np.float32(-np.inf)
#: noise values drawn per refill (the block holds this many divided by batch * vocab steps)
_BLOCK_VALUES = 1 << 16


class Sampler:
    """Temperature / top-k / top-p sampling with a seeded generator.

    temperature 0 is greedy (the most likely allowed token); top_k / top_p of None are off.
    """

    def __init__(self, seed: int, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None):
        self.rng = np.random.default_rng(seed)
        self._noise = np.zeros((0, 0, 0), dtype=np.float32)
        self._next = 0
        self.configure(temperature, top_k, top_p)

    def configure(self, temperature: float, top_k: int | None, top_p: float | None) -> None:
        """Change the sampling parameters for the following draws (validated by GenerateOptions)."""
        self.temperature = float(temperature)
        self.inverse_temperature = np.float32(1.0 / temperature) if temperature > 0 else np.float32(0.0)
        self.top_k = top_k
        self.top_p = top_p if top_p is not None and top_p < 1.0 else None

    def _gumbel(self, rows: int, vocab: int) -> np.ndarray:
        """The next step's Gumbel noise ``[rows, vocab]``, from a block drawn ahead."""
        if self._next >= len(self._noise) or self._noise.shape[1:] != (rows, vocab):
            steps = max(4, _BLOCK_VALUES // (rows * vocab))
            block = self.rng.random((steps, rows, vocab), dtype=np.float32)
            # U = 0 would make the noise -inf; a row whose only allowed token got it would pick a masked one
            np.maximum(block, np.float32(1e-30), out=block)
            np.log(block, out=block)
            np.negative(block, out=block)
            np.log(block, out=block)
            np.negative(block, out=block)
            self._noise, self._next = block, 0
        noise = self._noise[self._next]
        self._next += 1
        return noise

    def sample(self, logits: np.ndarray, bias: np.ndarray, out: np.ndarray | None = None,
               want_logp: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """One token per row of ``logits`` (which is overwritten), and its log-probability when asked.

        ``bias`` is the additive mask, ``[batch, vocab]`` or ``[vocab]``; every row must allow at
        least one token. Tokens go into ``out`` (int64 ``[batch]``) when given. The log-probability
        is that of the tempered, masked distribution before top-k / top-p (what beam search ranks by).
        """
        z = logits
        if self.temperature == 0.0:
            z += bias
            return z.argmax(axis=1, out=out), (np.zeros(len(z)) if want_logp else None)
        if self.inverse_temperature != 1.0:
            z *= self.inverse_temperature
        z += bias
        logp_rows = _log_softmax(z) if want_logp else None
        if self.top_k is not None and self.top_k < z.shape[1]:
            cut = z.shape[1] - self.top_k
            kth = np.partition(z, cut, axis=1)[:, cut, None]
            z[z < kth] = _NEG_INF
        if self.top_p is not None:
            _nucleus(z, self.top_p)
        z += self._gumbel(*z.shape)
        tokens = z.argmax(axis=1, out=out)
        if logp_rows is None:
            return tokens, None
        return tokens, logp_rows[np.arange(len(tokens)), tokens]


    def draw_weighted(self, log_weights: np.ndarray, count: int) -> np.ndarray:
        """``count`` distinct indices drawn by the weights ``exp(log_weights)``, one after another
        without replacement (Gumbel top-k: the same law as drawing, removing and drawing again).
        Indices with weight 0 (-inf) come last; all of them -inf draws uniformly."""
        weights = np.asarray(log_weights, dtype=np.float64)
        finite = np.isfinite(weights)
        if not finite.any():
            weights = np.zeros_like(weights)
        else:
            weights = np.where(finite, weights, -np.inf)
        uniform = np.maximum(self.rng.random(len(weights)), 1e-300)
        keys = weights - np.log(-np.log(uniform))
        return np.argsort(-keys, kind="stable")[:count]


def _log_softmax(z: np.ndarray) -> np.ndarray:
    top = z.max(axis=1, keepdims=True)
    shifted = z - top
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _nucleus(z: np.ndarray, top_p: float) -> None:
    """Mask (in place, to -inf) every token outside the smallest set holding ``top_p`` of each row's mass."""
    probs = np.exp(z - z.max(axis=1, keepdims=True))
    order = np.argsort(-probs, axis=1, kind="stable")
    ranked = np.take_along_axis(probs, order, axis=1)
    before = np.cumsum(ranked, axis=1) - ranked  # mass of the better tokens
    drop = before >= top_p * ranked.sum(axis=1, keepdims=True)
    drop[:, 0] = False  # the most likely token always stays
    rows = np.broadcast_to(np.arange(len(z))[:, None], order.shape)
    z[rows[drop], order[drop]] = _NEG_INF
