"""The recurrent language model: one module for RNN (tanh), LSTM and GRU.

``forward(ids, state) -> (logits, state)`` serves both training (whole windows)
and generation (one token at a time), and exports unchanged to ONNX with the
contract of :mod:`rnnmusic.model_file`. The state is one tensor
``[state_parts, layers, batch, hidden]`` whatever the cell, so the runtime never
needs to know which cell it runs. Sampling does not live here.

With a ``follow_table`` (the encoding's grammar), the logits of tokens that may not
follow the input token are -inf: the model's distribution covers only valid
continuations, the loss is a proper NLL over them, and the mask is part of the
exported graph (one Gather and one Add), so every consumer gets it for free.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnnmusic.model_file import Architecture

_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentLM(nn.Module):
    def __init__(self, arch: Architecture, follow_table: np.ndarray | None = None):
        super().__init__()
        if arch.cell not in _CELLS:
            raise ValueError(f"unknown cell {arch.cell!r}; choose rnn, lstm or gru")
        if arch.tied and arch.embedding != arch.hidden:
            raise ValueError("tied embeddings need embedding size == hidden size")
        self.arch = arch
        self.embed = nn.Embedding(arch.vocab_size, arch.embedding)
        extra = {"nonlinearity": "tanh"} if arch.cell == "rnn" else {}
        self.rnn = _CELLS[arch.cell](
            arch.embedding,
            arch.hidden,
            num_layers=arch.layers,
            batch_first=True,
            dropout=arch.dropout if arch.layers > 1 else 0.0,
            **extra,
        )
        self.drop = nn.Dropout(arch.dropout)
        self.head = nn.Linear(arch.hidden, arch.vocab_size)
        if arch.tied:
            self.head.weight = self.embed.weight
        self.follow_bias: torch.Tensor | None
        if follow_table is not None:
            table = np.asarray(follow_table, dtype=bool)
            if table.shape != (arch.vocab_size, arch.vocab_size):
                raise ValueError(f"follow table shape {table.shape} does not match vocabulary {arch.vocab_size}")
            bias = torch.zeros(table.shape).masked_fill_(torch.from_numpy(~table), float("-inf"))
            # not persistent: it is rebuilt from the encoding, so checkpoints stay plain weights
            self.register_buffer("follow_bias", bias, persistent=False)
        else:
            self.follow_bias = None

    @property
    def grammar_mask(self) -> bool:
        return self.follow_bias is not None

    def initial_state(self, batch: int, device: torch.device | str | None = None) -> torch.Tensor:
        return torch.zeros(self.arch.state_shape(batch), device=device)

    def forward(self, ids: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if state is None:
            state = self.initial_state(ids.shape[0], ids.device)
        x = self.drop(self.embed(ids))
        if self.arch.cell == "lstm":
            y, (h, c) = self.rnn(x, (state[0].contiguous(), state[1].contiguous()))
            new_state = torch.stack((h, c))
        else:
            y, h = self.rnn(x, state[0].contiguous())
            new_state = h.unsqueeze(0)
        logits = self.head(self.drop(y))
        if self.follow_bias is not None:
            logits = logits + self.follow_bias[ids]  # row of the input token: what may come next
        return logits, new_state
