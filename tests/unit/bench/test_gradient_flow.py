"""Gradient reach: the measurement points the right way in time."""

from __future__ import annotations

import numpy as np
import torch

from rnnmusic.training.bench.frame_model import INPUTS, FrameRNN
from rnnmusic.training.bench.gradient_flow import gradient_by_distance

torch.set_num_threads(1)


def _bce(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.binary_cross_entropy_with_logits(out, target, reduction="sum")


def _inputs(rng, count: int = 3, length: int = 12):
    seqs = [(rng.random((length, INPUTS)) < 0.1).astype(np.float32) for _ in range(count)]
    return seqs, [torch.ones(88) for _ in seqs]


def test_without_recurrent_weights_only_the_last_input_matters():
    torch.manual_seed(0)
    model = FrameRNN("rnn", hidden=8)
    torch.nn.init.zeros_(model.rnn.weight_hh_l0)
    seqs, targets = _inputs(np.random.default_rng(0))
    reach = gradient_by_distance(model, seqs, targets, _bce, span=6)
    assert reach[0] > 0
    assert np.all(reach[1:] == 0)


def test_with_recurrence_earlier_inputs_matter_less_and_less_in_a_small_weight_tanh_rnn():
    torch.manual_seed(0)
    model = FrameRNN("rnn", hidden=8)
    with torch.no_grad():
        model.rnn.weight_hh_l0.mul_(0.5)
    seqs, targets = _inputs(np.random.default_rng(1))
    reach = gradient_by_distance(model, seqs, targets, _bce, span=10)
    assert np.all(reach > 0)
    assert reach[9] < reach[1] < reach[0]
    assert model.training  # left as it was found
