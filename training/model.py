"""The recurrent language model: one module for RNN (tanh), LSTM and GRU.

``forward(ids, state) -> (logits, state)`` serves both training (whole windows)
and generation (one token at a time), and exports unchanged to ONNX with the
contract of :mod:`rnnmusic.model_file`. The state is one tensor
``[state_parts, layers, batch, hidden]`` whatever the cell, so the runtime never
needs to know which cell it runs. Sampling does not live here.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnmusic.model_file import Architecture

_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentLM(nn.Module):
    def __init__(self, arch: Architecture):
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
        return self.head(self.drop(y)), new_state
