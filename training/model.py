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

from rnnmusic.engine.context import POSITION_FEATURES, ContextSpec, position_table_sizes
from rnnmusic.model_file import Architecture

_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
#: probabilities below this are floored before the log of the mixture (exp(-69)): far below
#: anything sampling can pick, and it keeps the loss finite where float32 underflows
_PROB_FLOOR = 1e-30


class ContextInput(nn.Module):
    """The timeline context (see :mod:`rnnmusic.engine.context`) as a sum of embeddings, one per feature."""

    def __init__(self, spec: ContextSpec, vocab_size: int, width: int):
        super().__init__()
        self.spec = spec
        self.position = nn.ModuleList(nn.Embedding(n, width) for n in position_table_sizes(spec))
        # one table per distance: "the same note one bar back" and "eight bars back" mean different things
        self.lookback = nn.ModuleList(nn.Embedding(vocab_size + 1, width) for _ in spec.lookback_bars)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        out = self.position[0](context[..., 0])
        for i in range(1, POSITION_FEATURES + 1):
            out = out + self.position[i](context[..., i])
        for d, table in enumerate(self.lookback):
            out = out + table(context[..., POSITION_FEATURES + 1 + d])
        return out


class RecurrentLM(nn.Module):
    """``forward(ids, state[, context, repetition]) -> (logits, state)``; see the module doc.

    With a :class:`ContextSpec` the model reads the timeline context and its output is a
    mixture: its own next-token distribution, and for each lookback distance the proposal
    "the same as d bars ago", weighted by gates computed from the hidden state. The gates
    of absent proposals are closed; ``repetition`` (logits) is added to the proposal gates,
    so a sampler can make the model more or less repetitive than it learned to be. The
    returned logits are the log of the mixture (already normalised).
    """

    def __init__(self, arch: Architecture, follow_table: np.ndarray | None = None,
                 context: ContextSpec | None = None):
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
        self.context_spec = context
        if context is not None:
            self.context_in = ContextInput(context, arch.vocab_size, arch.embedding)
            self.gate = nn.Linear(arch.hidden, 1 + len(context.lookback_bars))
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

    def forward(self, ids: torch.Tensor, state: torch.Tensor | None = None, context: torch.Tensor | None = None,
                repetition: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if state is None:
            state = self.initial_state(ids.shape[0], ids.device)
        x = self.embed(ids)
        if self.context_spec is not None:
            if context is None:
                raise ValueError("this model reads a context: pass the one rnnmusic.engine.context computes")
            x = x + self.context_in(context)
        x = self.drop(x)
        if self.arch.cell == "lstm":
            y, (h, c) = self.rnn(x, (state[0].contiguous(), state[1].contiguous()))
            new_state = torch.stack((h, c))
        else:
            y, h = self.rnn(x, state[0].contiguous())
            new_state = h.unsqueeze(0)
        y = self.drop(y)
        logits = self.head(y)
        if self.follow_bias is not None:
            logits = logits + self.follow_bias[ids]  # row of the input token: what may come next
        if self.context_spec is not None:
            if context is None:
                raise ValueError("a context model needs its context input (one row per token)")
            logits = self._mix(logits, y, context, repetition, ids)
        return logits, new_state

    def _mix(self, logits: torch.Tensor, y: torch.Tensor, context: torch.Tensor,
             repetition: torch.Tensor | None, ids: torch.Tensor) -> torch.Tensor:
        """log(g0 * softmax(logits) + sum_d g_d * onehot(proposal_d)), the gates g from ``y``."""
        vocab = self.arch.vocab_size
        proposals = context[..., POSITION_FEATURES + 1:]  # [B, T, L]; vocab means none
        gate_logits = self.gate(y)
        absent = torch.cat([torch.zeros_like(proposals[..., :1], dtype=torch.bool), proposals >= vocab], dim=-1)
        bias = torch.zeros_like(gate_logits)
        if repetition is not None:
            bias = torch.cat([bias[..., :1], bias[..., 1:] + repetition.to(bias.dtype)[:, None, None]], dim=-1)
        gates = torch.softmax((gate_logits + bias).masked_fill(absent, float("-inf")), dim=-1)
        probs = gates[..., :1] * torch.softmax(logits, dim=-1)
        tokens = torch.arange(vocab, device=logits.device)
        for d in range(proposals.shape[-1]):
            probs = probs + gates[..., 1 + d: 2 + d] * (proposals[..., d: d + 1] == tokens).to(probs.dtype)
        mixed = torch.log(probs.clamp_min(_PROB_FLOOR))
        if self.follow_bias is not None:  # forbidden tokens stay exactly -inf (a proposal is always allowed)
            mixed = mixed + self.follow_bias[ids]
        return mixed
