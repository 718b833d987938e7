"""Negative log-likelihood in nats per frame, under both protocols of the literature.

Standard (Boulanger-Lewandowski et al. 2012, Chung et al. 2014): every frame of every test
piece is scored, the first from the model's initial state; frames are pooled (sum over all
frames divided by their number, so long pieces weigh more). TCN (Bai et al. 2018): the same
with the first frame of each piece left out. Everything here is numpy, so logits from torch
and from ONNX Runtime are scored by the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FrameNLL:
    """Summed nats and counts; the two protocol numbers are ratios of these."""

    total: float  # nats summed over every frame of every piece
    first: float  # nats summed over the first frame of each piece
    frames: int
    pieces: int
    piece_means: float = 0.0  # each piece's nats per frame, summed over pieces (not a protocol: see below)

    @property
    def standard(self) -> float:
        """Nats per frame, every frame scored (the protocol of the published table)."""
        return self.total / self.frames

    @property
    def without_first(self) -> float:
        """Nats per frame with each piece's first frame left out (the TCN paper's code)."""
        return (self.total - self.first) / (self.frames - self.pieces)

    @property
    def mean_of_pieces(self) -> float:
        """Each piece's nats per frame, averaged over pieces (short pieces weigh as much as long ones).

        Neither protocol: recorded because a number computed this way differs from the pooled
        one by up to a nat on MuseData, so it tells how sensitive a comparison is to the averaging.
        """
        return self.piece_means / self.pieces

    def as_dict(self) -> dict[str, float]:
        return {
            "nll_standard": self.standard,
            "nll_without_first": self.without_first,
            "nll_mean_of_pieces": self.mean_of_pieces,
            "total_nats": self.total,
            "first_frame_nats": self.first,
            "frames": self.frames,
            "pieces": self.pieces,
        }


def summarize(per_piece: Iterable[np.ndarray]) -> FrameNLL:
    """Pool per-frame nats (one array per piece, in frame order) into a :class:`FrameNLL`."""
    total = first = piece_means = 0.0
    frames = pieces = 0
    for nll in per_piece:
        nll = np.asarray(nll, dtype=np.float64)
        if len(nll) == 0:
            raise ValueError("a piece without frames cannot be scored")
        total += float(nll.sum())
        first += float(nll[0])
        piece_means += float(nll.mean())
        frames += len(nll)
        pieces += 1
    if pieces == 0:
        raise ValueError("nothing to score")
    return FrameNLL(total=total, first=first, frames=frames, pieces=pieces, piece_means=piece_means)


def score_pieces(
    run: Callable[[np.ndarray], np.ndarray],
    inputs: Sequence[np.ndarray],
    score: Callable[[int, np.ndarray], np.ndarray],
    batch_size: int = 16,
) -> FrameNLL:
    """Score every piece from the model's initial state, pieces batched by length.

    ``inputs[i]`` is piece i's model input ([T, ...]); ``run`` maps a zero-padded batch
    [B, T_max, ...] to outputs [B, T_max, ...]; ``score(i, outputs)`` gives piece i's
    per-frame nats from its unpadded outputs. Padding sits only after a piece's end, so it
    never reaches a real position of a recurrent model.
    """
    order = np.argsort([len(x) for x in inputs], kind="stable")
    per_piece: list[np.ndarray] = [np.zeros(0)] * len(inputs)
    for start in range(0, len(order), batch_size):
        group = order[start : start + batch_size]
        longest = max(len(inputs[i]) for i in group)
        first = np.asarray(inputs[group[0]])
        batch = np.zeros((len(group), longest) + first.shape[1:], dtype=first.dtype)
        for row, i in enumerate(group):
            batch[row, : len(inputs[i])] = inputs[i]
        outputs = run(batch)
        for row, i in enumerate(group):
            per_piece[i] = score(int(i), outputs[row, : len(inputs[i])])
    return summarize(per_piece)


# -- bernoulli family: 88 independent sigmoids per frame ----------------------------
def bernoulli_frame_nll(logits: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """Per frame, -log p(frame) of 88 independent Bernoullis with the given logits ([T, 88] each)."""
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(roll, dtype=np.float64)
    # -log sigmoid(z) for y=1 and -log(1-sigmoid(z)) for y=0 are both softplus(+-z); logaddexp keeps it stable
    return (np.logaddexp(0.0, z) - y * z).sum(axis=-1)


# -- tokens family: frames as pitches ascending, then step_end -----------------------
def masked_log_softmax(logits: np.ndarray, previous: np.ndarray, follow_table: np.ndarray) -> np.ndarray:
    """Log-probabilities [T, V] over the tokens the grammar allows after each ``previous`` token."""
    z = np.asarray(logits, dtype=np.float64)
    allowed = np.asarray(follow_table, dtype=bool)[np.asarray(previous)]
    z = np.where(allowed, z, -np.inf)
    peak = z.max(axis=-1, keepdims=True)
    return z - peak - np.log(np.exp(z - peak).sum(axis=-1, keepdims=True))


def token_frame_nll(logits: np.ndarray, ids: np.ndarray, follow_table: np.ndarray, step_end: int) -> np.ndarray:
    """Per frame, -log p(frame) as the sum of its tokens' masked nats.

    ``ids`` is one piece with its leading bos ([T + 1]); ``logits`` [T, V] are the model's
    outputs after reading ``ids[:-1]``. A frame's tokens run up to and including its step_end.
    """
    ids = np.asarray(ids, dtype=np.int64)
    previous, targets = ids[:-1], ids[1:]
    if len(targets) == 0 or targets[-1] != step_end:
        raise ValueError("a piece's tokens must end with step_end")
    logp = masked_log_softmax(logits, previous, follow_table)
    token_nll = -logp[np.arange(len(targets)), targets]
    # frame index of each token = number of step_ends before it
    frame_of = np.concatenate([[0], np.cumsum(targets[:-1] == step_end)])
    return np.bincount(frame_of, weights=token_nll, minlength=int(frame_of[-1]) + 1)
