"""The ``bernoulli`` family: an RNN, LSTM or GRU that outputs 88 independent sigmoids per frame.

The setting of Chung et al. (2014) and Bai et al. (2018). It is the token model
(:class:`RecurrentLM`) with one change: its input is the previous frame as a multi-hot vector
plus a start flag (a linear map of it, i.e. the sum of the sounding keys' embeddings) instead
of one token's embedding; its 88 outputs are the keys' logits. Cell, state layout, dropout and
head are the token model's, so both families differ only where they must.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from rnnmusic.model_file import Architecture
from rnnmusic.training.bench.polyphonic_data import KEYS
from rnnmusic.training.model import RecurrentLM

INPUTS = KEYS + 1  # 88 keys of the previous frame, then a flag that is 1 only before the first frame


class FrameRNN(RecurrentLM):
    """forward(inputs [B, T, 89] float, state) -> (key logits [B, T, 88], state)."""

    def __init__(self, cell: str, hidden: int, layers: int = 1, dropout: float = 0.0, embedding: int | None = None):
        arch = Architecture(
            cell=cell, layers=layers, hidden=hidden, embedding=embedding or hidden, vocab_size=KEYS, dropout=dropout
        )
        super().__init__(arch)
        self.embed = nn.Linear(INPUTS, arch.embedding)


def frame_inputs(roll: np.ndarray) -> np.ndarray:
    """Model inputs for one piece's roll [T, 88]: row t holds frame t-1, row 0 only the start flag."""
    inputs = np.zeros((len(roll), INPUTS), dtype=np.float32)
    inputs[0, KEYS] = 1.0
    inputs[1:, :KEYS] = roll[:-1]
    return inputs
